package dev.attnspark.job.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;

/**
 * A run's output folder on any Hadoop file system. Files are replaced atomically (written beside the target, then
 * renamed over it; on S3 put whole), so a reader never sees half a file.
 */
public final class RunDir {
    /** File systems whose objects appear whole at close and whose rename is a copy. */
    private static final Set<String> OBJECT_STORES = Set.of("s3a");
    private final Path root;
    private final Configuration conf;

    public RunDir(String dir, Configuration conf) {
        this.conf = conf;
        Path p = new Path(dir);
        try {
            // fully qualified (scheme and authority): "hdfs:///runs/x" names the default HDFS, and FileContext's
            // atomic rename needs the authority spelled out
            this.root = p.getFileSystem(conf).makeQualified(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public Path path(String name) {
        return new Path(root, name);
    }

    public Configuration conf() {
        return conf;
    }

    public FileSystem fs() {
        try {
            return root.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + root, e);
        }
    }

    public boolean exists(String name) {
        try {
            return fs().exists(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces {@code name} atomically with {@code text}. */
    public void writeText(String name, String text) {
        writeAtomically(path(name), out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public String readText(String name) {
        try (InputStream in = fs().open(path(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(name), e);
        }
    }

    /** Something that writes a file's content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary file in the same folder and renames it into place. On S3 the content
     * is put as the object itself instead: S3 has no atomic rename (FileContext's overwriting rename is a delete and
     * a copy there, with a moment without the file), but an object appears whole, replacing the old one, only when
     * its upload completes at close. The content is assembled in memory first, so that a writer failing half-way
     * uploads nothing.
     */
    public void writeAtomically(Path target, Writer writer) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            FileSystem fs = target.getFileSystem(conf);
            if (OBJECT_STORES.contains(fs.getScheme())) {
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                writer.write(content);
                try (OutputStream out = fs.create(target, true)) {
                    content.writeTo(out);
                }
                return;
            }
            fs.mkdirs(target.getParent());
            try (OutputStream out = fs.create(tmp, false)) {
                writer.write(out);
            }
            FileContext.getFileContext(target.toUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (IOException e) {
            try {
                target.getFileSystem(conf).delete(tmp, false);
            } catch (IOException ignored) {
                // the temporary file is invisible to readers anyway
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
