package dev.attnspark.datasets.idx;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Writes unsigned-byte IDX files (the MNIST layout). */
public final class IdxWriter {
    private IdxWriter() {}

    /** @param dims dimensions, first the record count; {@code data} is row-major with exactly their product bytes */
    public static void write(OutputStream out, int[] dims, byte[] data) throws IOException {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("IDX data has " + data.length + " bytes, dimensions say " + n);
        }
        DataOutputStream d = new DataOutputStream(out);
        d.writeByte(0);
        d.writeByte(0);
        d.writeByte(IdxFile.UNSIGNED_BYTE);
        d.writeByte(dims.length);
        for (int dim : dims) {
            d.writeInt(dim);
        }
        d.write(data);
        d.flush();
    }
}
