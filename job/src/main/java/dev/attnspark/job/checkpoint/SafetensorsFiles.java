package dev.attnspark.job.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Safetensors checkpoints at real sizes, read lazily: one file of any size, or a Hugging Face sharded checkpoint
 * ({@code model.safetensors.index.json} naming a file per tensor). Each tensor is memory-mapped when it is copied,
 * and copied into its destination in slices, so loading weights into a model's parameter views needs no second
 * full copy of the weights. F32, F16, BF16, F64, I64, I32, U8 and BOOL tensors are read.
 */
public final class SafetensorsFiles implements WeightSource, AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;
    /** Elements converted at a time: the only temporary a copy needs. */
    private static final int SLICE = 1 << 20;

    /** Where one tensor is: its file, dtype, shape and byte range. */
    public record Entry(Path file, String dtype, long[] shape, long begin, long end) {
        long count() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    private final Map<String, Entry> entries;
    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();

    private SafetensorsFiles(Map<String, Entry> entries) {
        this.entries = entries;
    }

    /**
     * Opens a {@code .safetensors} file, an index file, or a folder holding either ({@value #INDEX} before
     * {@value #SINGLE}).
     */
    public static SafetensorsFiles open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX);
            path = Files.exists(index) ? index : path.resolve(SINGLE);
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such safetensors file or index");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        if (path.getFileName().toString().endsWith(".json")) {
            JsonNode map = JSON.readTree(path.toFile()).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new IOException(path + ": not a safetensors index (no weight_map)");
            }
            Map<String, Map<String, Entry>> shards = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Path shard = path.resolveSibling(e.getValue().asText());
                Map<String, Entry> inShard = shards.get(shard.toString());
                if (inShard == null) {
                    inShard = header(shard);
                    shards.put(shard.toString(), inShard);
                }
                Entry entry = inShard.get(e.getKey());
                if (entry == null) {
                    throw new IOException(path + ": names " + e.getKey() + " in " + shard.getFileName()
                            + ", which does not hold it");
                }
                entries.put(e.getKey(), entry);
            }
        } else {
            entries.putAll(header(path));
        }
        return new SafetensorsFiles(entries);
    }

    /** A file's header length, if it can be one for a file of {@code size} bytes; else an error naming the file. */
    static long checkHeaderLength(long headerLen, long size, Object file) throws IOException {
        if (headerLen <= 1 || headerLen > MAX_HEADER || 8 + headerLen > size) {
            throw new IOException(file + ": not a safetensors file (header length " + headerLen + ")");
        }
        return headerLen;
    }

    /** The tensors of one file, from its header. */
    private static Map<String, Entry> header(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, file);
            long headerLen = checkHeaderLength(len.flip().getLong(), ch.size(), file);
            ByteBuffer h = ByteBuffer.allocate((int) headerLen);
            readFully(ch, h, 8, file);
            JsonNode header;
            try {
                header = JSON.readTree(new String(h.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(file + ": safetensors header is not valid JSON: " + e.getMessage(), e);
            }
            long base = 8 + headerLen;
            Map<String, Entry> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode info = e.getValue();
                long[] shape = new long[info.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = info.get("shape").get(i).asLong();
                }
                Entry entry = new Entry(file, info.get("dtype").asText(), shape,
                        base + info.get("data_offsets").get(0).asLong(), base + info.get("data_offsets").get(1).asLong());
                long expected = entry.count() * width(entry.dtype(), e.getKey(), file);
                if (entry.end() - entry.begin() != expected || entry.end() > ch.size()) {
                    throw new IOException(file + ": tensor " + e.getKey() + " has bytes " + entry.begin() + ".."
                            + entry.end() + " of " + ch.size() + ", expected " + expected + " for " + entry.dtype()
                            + Arrays.toString(shape));
                }
                out.put(e.getKey(), entry);
            }
            return out;
        }
    }

    private static int width(String dtype, String name, Path file) throws IOException {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "BOOL", "U8" -> 1;
            default -> throw new IOException(file + ": tensor " + name + " has unsupported dtype " + dtype);
        };
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return e;
    }

    /** A tensor as a new array: floats as FLOAT, integers as LONG, booleans as BOOL. */
    @Override
    public INDArray read(String name) {
        Entry e = entry(name);
        DataType type = switch (e.dtype()) {
            case "I64", "I32", "U8" -> DataType.LONG;
            case "BOOL" -> DataType.BOOL;
            default -> DataType.FLOAT;
        };
        INDArray out = Nd4j.create(type, e.shape().length == 0 ? new long[] {1} : e.shape());
        copyInto(name, out);
        return out;
    }

    /** Copies a tensor into {@code target} (same number of elements, any float or integer type), slice by slice. */
    @Override
    public void copyInto(String name, INDArray target) {
        Entry e = entry(name);
        long n = e.count();
        if (target.length() != n) {
            throw new IllegalArgumentException(name + ": " + n + " values for a target of " + target.length());
        }
        INDArray flat = target.reshape('c', new long[] {n});
        boolean view = flat == target || flat.isView();
        if (!view) {
            // not contiguous: reshaping copied it, so convert into that copy and assign it back
            copyInto(name, flat);
            target.assign(flat.reshape('c', target.shape()));
            return;
        }
        int width = (int) ((e.end() - e.begin()) / Math.max(n, 1));
        try {
            FileChannel ch = channel(e.file());
            for (long at = 0; at < n; at += SLICE) {
                int len = (int) Math.min(SLICE, n - at);
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, e.begin() + at * width, (long) len * width);
                map.order(ByteOrder.LITTLE_ENDIAN);
                flat.get(NDArrayIndex.interval(at, at + len)).assign(slice(e.dtype(), map, len, target.dataType()));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tensor " + name + " from " + e.file() + ": " + ex.getMessage(),
                    ex);
        }
    }

    private static INDArray slice(String dtype, ByteBuffer b, int len, DataType into) {
        switch (dtype) {
            case "F32" -> {
                float[] v = new float[len];
                b.asFloatBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case "F64" -> {
                double[] v = new double[len];
                b.asDoubleBuffer().get(v);
                return Nd4j.createFromArray(v);
            }
            case "F16", "BF16" -> {
                float[] v = new float[len];
                for (int i = 0; i < len; i++) {
                    short s = b.getShort();
                    v[i] = dtype.equals("F16") ? Safetensors.halfToFloat(s) : Float.intBitsToFloat((s & 0xffff) << 16);
                }
                return Nd4j.createFromArray(v);
            }
            case "BOOL" -> {
                boolean[] v = new boolean[len];
                for (int i = 0; i < len; i++) {
                    v[i] = b.get() != 0;
                }
                return into == DataType.BOOL ? Nd4j.createFromArray(v) : Nd4j.createFromArray(v).castTo(into);
            }
            default -> {
                long[] v = new long[len];
                for (int i = 0; i < len; i++) {
                    v[i] = switch (dtype) {
                        case "I64" -> b.getLong();
                        case "I32" -> b.getInt();
                        default -> b.get() & 0xff;
                    };
                }
                return Nd4j.createFromArray(v);
            }
        }
    }

    private synchronized FileChannel channel(Path file) throws IOException {
        FileChannel ch = channels.get(file);
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channels.put(file, ch);
        }
        return ch;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at, Path file) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new IOException(file + ": truncated safetensors file");
            }
        }
    }

    /** The files behind the tensors (one, or the shards). */
    public List<Path> files() {
        return entries.values().stream().map(Entry::file).distinct().toList();
    }

    @Override
    public void close() throws IOException {
        for (FileChannel ch : channels.values()) {
            ch.close();
        }
        channels.clear();
    }
}
