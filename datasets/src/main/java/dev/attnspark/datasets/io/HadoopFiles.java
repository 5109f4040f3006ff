package dev.attnspark.datasets.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.GZIPInputStream;

/** Opening dataset files on any Hadoop file system (local paths, {@code file:}, {@code hdfs:}, {@code s3a:}). */
public final class HadoopFiles {
    private HadoopFiles() {}

    public static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
        return path.getFileSystem(conf);
    }

    /** Whether {@code path} exists as a file. */
    public static boolean isFile(Path path, Configuration conf) throws IOException {
        FileSystem fs = fileSystem(path, conf);
        return fs.exists(path) && fs.getFileStatus(path).isFile();
    }

    /** Opens a file for reading, positioned at {@code offset} (a seek, so only for uncompressed files). */
    public static FSDataInputStream open(Path path, Configuration conf, long offset) throws IOException {
        FSDataInputStream in = fileSystem(path, conf).open(path, 1 << 16);
        if (offset > 0) {
            in.seek(offset);
        }
        return in;
    }

    /**
     * Opens a file and decompresses it if it starts with the gzip magic bytes (whatever its name says).
     *
     * @return a buffered stream of the file's (decompressed) bytes
     */
    public static InputStream openMaybeGzipped(Path path, Configuration conf) throws IOException {
        PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(open(path, conf, 0), 1 << 16), 2);
        byte[] magic = new byte[2];
        int n = in.readNBytes(magic, 0, 2);
        if (n > 0) {
            in.unread(magic, 0, n);
        }
        if (n == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    /** Whether the file starts with the gzip magic bytes. */
    public static boolean isGzipped(Path path, Configuration conf) throws IOException {
        try (InputStream in = open(path, conf, 0)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }
}
