package dev.attnspark.datasets.idx;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.mnist.Mnist;
import dev.attnspark.datasets.mnist.SyntheticDigits;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IdxFileTest {
    static final Configuration CONF = new Configuration();

    @TempDir
    java.nio.file.Path dir;

    private static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IdxWriter.write(out, dims, data);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        java.nio.file.Path p = dir.resolve(name);
        Files.write(p, content);
        return new Path(p.toUri());
    }

    private static byte[] pixels(int n) {
        byte[] b = new byte[n * 28 * 28];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    @Test
    void readsRawAndGzippedFilesAlike() throws IOException {
        byte[] data = pixels(5);
        Path raw = file("raw", idx(new int[] {5, 28, 28}, data));
        Path gz = file("gz", gzip(idx(new int[] {5, 28, 28}, data)));
        for (Path p : new Path[] {raw, gz}) {
            IdxFile.Header h = IdxFile.validate(p, CONF, 28, 28);
            assertEquals(5, h.count());
            assertEquals(784, h.recordSize());
            assertArrayEquals(Arrays.copyOfRange(data, 2 * 784, 4 * 784), IdxFile.readRecords(p, CONF, h, 2, 4));
        }
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        byte[] content = idx(new int[] {5, 28, 28}, pixels(5));
        content[0] = 0x12;
        Path p = file("bad-magic", content);
        DatasetException e = assertThrows(DatasetException.class, () -> IdxFile.validate(p, CONF, 28, 28));
        assertThat(e.getMessage()).contains(p.toString()).contains("not an IDX file");
    }

    @Test
    void rejectsUnsupportedElementType() throws IOException {
        byte[] content = idx(new int[] {5, 28, 28}, pixels(5));
        content[2] = 0x0D;
        Path p = file("floats", content);
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(p, CONF, 28, 28)).getMessage())
                .contains(p.toString()).contains("element type 0xd");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] content = idx(new int[] {5, 28, 28}, pixels(5));
        Path p = file("truncated", Arrays.copyOf(content, content.length - 100));
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(p, CONF, 28, 28)).getMessage())
                .contains(p.toString()).contains("truncated");
        Path gz = file("truncated.gz", gzip(Arrays.copyOf(content, content.length - 100)));
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(gz, CONF, 28, 28)).getMessage())
                .contains(gz.toString()).contains("truncated");
    }

    @Test
    void rejectsTruncatedHeaderAndTrailingBytes() throws IOException {
        Path header = file("header", new byte[] {0, 0, 8, 3, 0, 0});
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(header, CONF, 28, 28)).getMessage())
                .contains(header.toString()).contains("truncated IDX header");
        byte[] content = idx(new int[] {5, 28, 28}, pixels(5));
        Path trailing = file("trailing", Arrays.copyOf(content, content.length + 3));
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(trailing, CONF, 28, 28)).getMessage())
                .contains(trailing.toString()).contains("unexpected bytes after");
    }

    @Test
    void rejectsWrongDimensions() throws IOException {
        Path p = file("27x28", idx(new int[] {5, 27, 28}, new byte[5 * 27 * 28]));
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(p, CONF, 28, 28)).getMessage())
                .contains(p.toString()).contains("[5, 27, 28]").contains("expected [n, 28, 28]");
    }

    @Test
    void rejectsCorruptGzip() throws IOException {
        byte[] gz = gzip(idx(new int[] {50, 28, 28}, pixels(50)));
        for (int i = gz.length / 3; i < gz.length / 3 + 40; i++) {
            gz[i] ^= 0x5a;
        }
        Path p = file("corrupt.gz", gz);
        assertThat(assertThrows(DatasetException.class, () -> IdxFile.validate(p, CONF, 28, 28)).getMessage())
                .contains(p.toString()).containsAnyOf("corrupt gzip", "truncated");
    }

    @Test
    void mnistSplitChecksCountsLabelsAndNames() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), idx(new int[] {5, 28, 28}, pixels(5)));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {4}, new byte[] {1, 2, 3, 4}));
        DatasetException mismatch = assertThrows(DatasetException.class,
                () -> Mnist.open(dir.toString(), Mnist.Split.TRAIN, CONF));
        assertThat(mismatch.getMessage()).contains("train-images-idx3-ubyte").contains("5 images")
                .contains("train-labels-idx1-ubyte").contains("4 labels");

        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(new int[] {5}, new byte[] {1, 2, 12, 4, 5}));
        assertThat(assertThrows(DatasetException.class, () -> Mnist.open(dir.toString(), Mnist.Split.TRAIN, CONF))
                .getMessage()).contains("label 12 of record 2");

        assertThat(assertThrows(DatasetException.class, () -> Mnist.open(dir.toString(), Mnist.Split.TEST, CONF))
                .getMessage()).contains("no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz");
    }

    @Test
    void syntheticDigitsAreValidMnist() throws IOException {
        SyntheticDigits.write(dir.toString(), 200, 50, 1, CONF);
        Mnist.SplitFiles train = Mnist.open(dir.toString(), Mnist.Split.TRAIN, CONF);
        Mnist.SplitFiles test = Mnist.open(dir.toString(), Mnist.Split.TEST, CONF);
        assertEquals(200, train.size());
        assertEquals(50, test.size());
        int[] perClass = new int[10];
        Mnist.read(train, CONF, 0, 200).forEach(e -> perClass[e.label()]++);
        assertArrayEquals(new int[] {20, 20, 20, 20, 20, 20, 20, 20, 20, 20}, perClass);
    }
}
