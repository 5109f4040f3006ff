package dev.attnspark.datasets.idx;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST (yann.lecun.com/exdb/mnist): magic {@code 0x00 0x00 <type> <rank>}, {@code rank}
 * big-endian int32 dimensions, then the elements row-major. Files may be gzip-compressed. Only unsigned bytes
 * (type 0x08, what MNIST uses) are read. Every violation is a {@link DatasetException} naming the file.
 */
public final class IdxFile {
    public static final int UNSIGNED_BYTE = 0x08;

    private IdxFile() {}

    /** What an IDX header says: element type and dimensions; record = one slice along the first dimension. */
    public record Header(int elementType, int[] dims) implements Serializable {
        public int count() {
            return dims[0];
        }

        /** Elements per record (the product of the dimensions after the first). */
        public int recordSize() {
            int n = 1;
            for (int i = 1; i < dims.length; i++) {
                n *= dims[i];
            }
            return n;
        }

        /** Bytes before the data: magic and dimensions. */
        public int headerBytes() {
            return 4 + 4 * dims.length;
        }

        @Override
        public String toString() {
            return "IDX ubyte " + Arrays.toString(dims);
        }
    }

    /** Reads the header at the start of {@code in}; {@code source} names the file in errors. */
    public static Header readHeader(InputStream in, String source) {
        try {
            DataInputStream d = new DataInputStream(in);
            int b0 = d.readUnsignedByte(), b1 = d.readUnsignedByte(), type = d.readUnsignedByte(),
                    rank = d.readUnsignedByte();
            if (b0 != 0 || b1 != 0) {
                throw new DatasetException(source + ": not an IDX file (magic number " + hex(b0, b1, type, rank)
                        + ", expected 0x0000 then type and rank)");
            }
            if (type != UNSIGNED_BYTE) {
                throw new DatasetException(source + ": IDX element type 0x" + Integer.toHexString(type)
                        + " is not supported (MNIST files hold unsigned bytes, 0x08)");
            }
            if (rank < 1) {
                throw new DatasetException(source + ": IDX rank 0 (no dimensions)");
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = d.readInt();
                if (dims[i] <= 0) {
                    throw new DatasetException(source + ": IDX dimension " + i + " is " + dims[i] + " (must be > 0)");
                }
            }
            return new Header(type, dims);
        } catch (EOFException e) {
            throw new DatasetException(source + ": truncated IDX header", e);
        } catch (ZipException e) {
            throw new DatasetException(source + ": corrupt gzip stream (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException(source + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads and checks a whole file: header, the expected rank and record shape, and a data length that matches the
     * header exactly (a gzip file is decompressed to the end, which also verifies its CRC).
     *
     * @param recordShape expected dimensions after the first (empty for labels)
     */
    public static Header validate(Path file, Configuration conf, int... recordShape) {
        try (InputStream in = HadoopFiles.openMaybeGzipped(file, conf)) {
            Header h = readHeader(in, file.toString());
            int[] expected = new int[recordShape.length + 1];
            expected[0] = h.count();
            System.arraycopy(recordShape, 0, expected, 1, recordShape.length);
            if (!Arrays.equals(h.dims(), expected)) {
                throw new DatasetException(file + ": IDX dimensions " + Arrays.toString(h.dims()) + ", expected [n"
                        + Arrays.stream(recordShape).mapToObj(s -> ", " + s).reduce("", String::concat) + "]");
            }
            long expectedBytes = (long) h.count() * h.recordSize();
            long got = in.skip(expectedBytes);
            while (got < expectedBytes) {
                long s = in.skip(expectedBytes - got);
                if (s <= 0) {
                    if (in.read() < 0) {
                        break;
                    }
                    s = 1;
                }
                got += s;
            }
            if (got < expectedBytes) {
                throw new DatasetException(file + ": truncated: the header promises " + h.count() + " records ("
                        + expectedBytes + " bytes of data), the file holds " + got + " bytes");
            }
            if (in.read() >= 0) {
                throw new DatasetException(file + ": unexpected bytes after the " + h.count()
                        + " records the header declares");
            }
            return h;
        } catch (ZipException | EOFException e) {
            throw new DatasetException(file + ": corrupt gzip stream (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** Reads records {@code [from, to)} as one array of {@code (to − from) · recordSize} bytes. */
    public static byte[] readRecords(Path file, Configuration conf, Header h, int from, int to) {
        int size = h.recordSize();
        byte[] out = new byte[(to - from) * size];
        try {
            InputStream in;
            if (HadoopFiles.isGzipped(file, conf)) {
                in = HadoopFiles.openMaybeGzipped(file, conf);
                in.skipNBytes(h.headerBytes() + (long) from * size);
            } else {
                in = HadoopFiles.open(file, conf, h.headerBytes() + (long) from * size);
            }
            try (InputStream closing = in) {
                new DataInputStream(closing).readFully(out);
            }
            return out;
        } catch (ZipException | EOFException e) {
            throw new DatasetException(file + ": records " + from + ".." + to + " cannot be read (file truncated or "
                    + "corrupt: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static String hex(int... bytes) {
        StringBuilder sb = new StringBuilder("0x");
        for (int b : bytes) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }
}
