package dev.attnspark.job.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Hugging Face safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}}}), then raw little-endian row-major tensor
 * bytes. F32, F16, BF16, F64, I64, I32 and BOOL are read; BF16 arrays are written as BF16, all others as F32.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** The BF16 bits of a float, rounded to nearest even as torch's {@code .bfloat16()} (exact for BF16 values). */
    public static short bfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Reads every tensor of a local file. Floats come back as FLOAT arrays. */
    public static Map<String, INDArray> read(java.nio.file.Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return read(new java.io.BufferedInputStream(in), file.toString());
        }
    }

    /** Reads every tensor; {@code source} names the file in error messages. Floats come back as FLOAT arrays. */
    public static Map<String, INDArray> read(InputStream in, String source) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] lenBytes = new byte[8];
        readFully(data, lenBytes, source, "header length");
        long headerLen = ByteBuffer.wrap(lenBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen <= 1 || headerLen > MAX_HEADER) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen + ")");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        readFully(data, headerBytes, source, "header");
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(source + ": safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        long dataLen = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                dataLen = Math.max(dataLen, e.getValue().get("data_offsets").get(1).asLong());
            }
        }
        if (dataLen > Integer.MAX_VALUE) {
            throw new IOException(source + ": tensors larger than 2 GiB in one file are not supported");
        }
        byte[] body = new byte[(int) dataLen];
        readFully(data, body, source, "tensor data");
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            out.put(e.getKey(), tensor(e.getKey(), e.getValue(), body, source));
        }
        return out;
    }

    private static INDArray tensor(String name, JsonNode info, byte[] body, String source) throws IOException {
        String dtype = info.get("dtype").asText();
        JsonNode shapeNode = info.get("shape");
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            count *= shape[i];
        }
        int begin = info.get("data_offsets").get(0).asInt();
        int end = info.get("data_offsets").get(1).asInt();
        ByteBuffer buf = ByteBuffer.wrap(body, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        int width = switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "BOOL", "U8" -> 1;
            default -> throw new IOException(source + ": tensor " + name + " has unsupported dtype " + dtype);
        };
        if ((long) width * count != end - begin) {
            throw new IOException(source + ": tensor " + name + " has " + (end - begin) + " bytes, expected "
                    + width * count + " for " + dtype + java.util.Arrays.toString(shape));
        }
        long[] s = shape.length == 0 ? new long[] {1} : shape;
        switch (dtype) {
            case "F32", "F16", "BF16", "F64" -> {
                float[] v = new float[(int) count];
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (dtype) {
                        case "F32" -> buf.getFloat();
                        case "F64" -> (float) buf.getDouble();
                        case "F16" -> halfToFloat(buf.getShort());
                        default -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                    };
                }
                return Nd4j.create(v, s, 'c');
            }
            case "I64", "I32" -> {
                long[] v = new long[(int) count];
                for (int i = 0; i < v.length; i++) {
                    v[i] = dtype.equals("I64") ? buf.getLong() : buf.getInt();
                }
                return Nd4j.createFromArray(v).reshape(s);
            }
            default -> {
                boolean[] v = new boolean[(int) count];
                for (int i = 0; i < v.length; i++) {
                    v[i] = buf.get() != 0;
                }
                return Nd4j.createFromArray(v).reshape(s);
            }
        }
    }

    /** Writes float tensors as F32 (in iteration order), with an optional string metadata map. */
    public static void write(Map<String, INDArray> tensors, Map<String, String> metadata, OutputStream out)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            boolean bf16 = e.getValue().dataType() == DataType.BFLOAT16;
            t.put("dtype", bf16 ? "BF16" : "F32");
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long bytes = (bf16 ? 2 : 4) * e.getValue().length();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8; // header padded with spaces so tensor data is 8-byte aligned
        ByteArrayOutputStream hb = new ByteArrayOutputStream();
        hb.write(h);
        for (int i = 0; i < pad; i++) {
            hb.write(' ');
        }
        byte[] headerBytes = hb.toByteArray();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
        out.write(headerBytes);
        for (INDArray a : tensors.values()) {
            float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
            if (a.dataType() == DataType.BFLOAT16) {
                ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    b.putShort(bfloat16(f));
                }
                out.write(b.array());
                continue;
            }
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            out.write(b.array());
        }
        out.flush();
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(DataInputStream in, byte[] b, String source, String what) throws IOException {
        try {
            in.readFully(b);
        } catch (java.io.EOFException e) {
            throw new IOException(source + ": truncated safetensors file (while reading " + what + ")", e);
        }
    }
}
