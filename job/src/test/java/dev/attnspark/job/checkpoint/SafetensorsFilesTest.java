package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.perceiverio.ImageClassifier;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Safetensors as Hub checkpoints come: half precision, sharded, and files beyond 2 GiB. */
class SafetensorsFilesTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/perceiver-io-img-clf-mnist");

    /** A file of raw tensors: name → (dtype, shape, little-endian bytes), at {@code dataStart} bytes past the header. */
    private static void write(Path file, Map<String, Object[]> tensors, long gapBefore) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long offset = gapBefore;
        for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
            byte[] data = (byte[]) e.getValue()[2];
            long size = e.getValue().length > 3 ? (long) e.getValue()[3] : data.length;
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(e.getValue()[0]).append("\",\"shape\":").append(e.getValue()[1])
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            f.write(header);
            long at = 8 + header.length + gapBefore;
            for (Object[] t : tensors.values()) {
                byte[] data = (byte[]) t[2];
                long size = t.length > 3 ? (long) t[3] : data.length;
                f.seek(at);
                f.write(data);
                at += size;
            }
            f.setLength(at); // unwritten ranges stay holes: a sparse file
        }
    }

    private static byte[] floats(String dtype, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * (dtype.equals("F32") ? 4 : 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            int bits = Float.floatToIntBits(x);
            switch (dtype) {
                case "F32" -> b.putFloat(x);
                case "BF16" -> b.putShort((short) (bits >>> 16));
                default -> b.putShort(toHalf(x));
            }
        }
        return b.array();
    }

    /** Exact for the values used here (representable in binary16). */
    private static short toHalf(float x) {
        int bits = Float.floatToIntBits(x);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = (bits >>> 13) & 0x3ff;
        return (short) (x == 0 ? sign : sign | (exp << 10) | mant);
    }

    @Test
    void halfAndBfloat16AndSingleComeBackExactly(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("m.safetensors");
        Map<String, Object[]> t = new LinkedHashMap<>();
        t.put("a", new Object[] {"F16", "[2,2]", floats("F16", 1f, -2.5f, 0.125f, 1024f)});
        t.put("b", new Object[] {"BF16", "[3]", floats("BF16", 3f, -0.5f, 96f)});
        t.put("c", new Object[] {"F32", "[2]", floats("F32", 0.1f, -7.25f)});
        write(f, t, 0);
        try (SafetensorsFiles s = SafetensorsFiles.open(f)) {
            assertThat(s.names()).containsExactly("a", "b", "c");
            assertArrayEquals(new float[] {1f, -2.5f, 0.125f, 1024f}, s.read("a").reshape(4).toFloatVector());
            assertArrayEquals(new long[] {2, 2}, s.shape("a"));
            assertArrayEquals(new float[] {3f, -0.5f, 96f}, s.read("b").toFloatVector());
            INDArray view = Nd4j.zeros(DataType.FLOAT, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 6));
            s.copyInto("c", view);
            assertArrayEquals(new float[] {0.1f, -7.25f}, view.toFloatVector());
        }
    }

    @Test
    void shardedCheckpointsAreReadThroughTheirIndex(@TempDir Path tmp) throws IOException {
        write(tmp.resolve("model-00001-of-00002.safetensors"), Map.of("x", new Object[] {"F32", "[1]", floats("F32", 5f)}), 0);
        write(tmp.resolve("model-00002-of-00002.safetensors"), Map.of("y", new Object[] {"BF16", "[1]", floats("BF16", 6f)}), 0);
        Files.writeString(tmp.resolve(SafetensorsFiles.INDEX), "{\"metadata\":{\"total_size\":6},\"weight_map\":"
                + "{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}");
        try (SafetensorsFiles s = SafetensorsFiles.open(tmp)) {
            assertThat(s.names()).containsExactlyInAnyOrder("x", "y");
            assertEquals(5f, s.read("x").getFloat(0));
            assertEquals(6f, s.read("y").getFloat(0));
            assertThat(s.files()).hasSize(2);
        }
        Files.writeString(tmp.resolve(SafetensorsFiles.INDEX),
                "{\"weight_map\":{\"x\":\"model-00002-of-00002.safetensors\"}}");
        assertThat(assertThrows(IOException.class, () -> SafetensorsFiles.open(tmp)).getMessage())
                .contains("names x in model-00002-of-00002.safetensors, which does not hold it");
    }

    @Test
    void tensorsBeyondTwoGibibytesAreReachable(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("big.safetensors");
        long big = 2_300_000_000L;
        Map<String, Object[]> t = new LinkedHashMap<>();
        t.put("padding", new Object[] {"U8", "[" + big + "]", new byte[0], big});
        t.put("tail", new Object[] {"F32", "[3]", floats("F32", 1.5f, 2.5f, -3.5f)});
        write(f, t, 0);
        assertThat(Files.size(f)).isGreaterThan(1L << 31);
        try (SafetensorsFiles s = SafetensorsFiles.open(f)) {
            assertArrayEquals(new long[] {big}, s.shape("padding"));
            assertThat(s.entry("tail").begin()).isGreaterThan(1L << 31);
            assertArrayEquals(new float[] {1.5f, 2.5f, -3.5f}, s.read("tail").toFloatVector());
        }
    }

    @Test
    void aTruncatedFileIsNamed(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("cut.safetensors");
        write(f, Map.of("w", new Object[] {"F32", "[4]", floats("F32", 1, 2, 3, 4)}), 0);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 4));
        assertThat(assertThrows(IOException.class, () -> SafetensorsFiles.open(f)).getMessage())
                .contains(f.toString()).contains("tensor w");
    }

    @Test
    void importingFromTheFilesEqualsImportingFromMemory() throws Exception {
        ImageClassifierConfig config = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(FIXTURE.resolve("config.json").toFile(), ImageClassifierConfig.class);
        ImageClassifier model = new ImageClassifier(config.validate(""));
        ParamStore viaFiles = ParamStore.allocate(model.parameters(), false);
        ParamStore viaMemory = ParamStore.allocate(model.parameters(), false);
        try (SafetensorsFiles s = SafetensorsFiles.open(FIXTURE.resolve("model.safetensors"))) {
            UpstreamWeights.Report r = UpstreamWeights.load(s, model, viaFiles.values(), "fixture");
            assertEquals(model.parameters().size(), r.loaded());
        }
        try (var in = Files.newInputStream(FIXTURE.resolve("model.safetensors"))) {
            UpstreamWeights.load(Safetensors.read(in, "fixture"), model, viaMemory.values(), "fixture");
        }
        for (String name : viaMemory.names()) {
            assertEquals(viaMemory.value(name), viaFiles.value(name), name);
        }
    }
}
