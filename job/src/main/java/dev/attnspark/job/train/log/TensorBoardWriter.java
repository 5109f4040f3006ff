package dev.attnspark.job.train.log;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.attnspark.datasets.DatasetException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Scalars by step as a TensorBoard event file, in the folder layout of Lightning's {@code TensorBoardLogger}:
 * {@code <saveDir>/<name>/version_N/events.out.tfevents.<seconds>.<host>}, N one more than the highest existing
 * {@code version_*}. Tags are written as the caller gives them; {@link #scalars} names them {@code <split>/<metric>}
 * ({@code train/loss}, {@code train/lr}, {@code val/loss}, {@code val/accuracy}), which TensorBoard groups by split.
 *
 * <p>Works on any Hadoop file system. Checksummed file systems (the local one) are written through their raw file
 * system: a {@code .events.out.tfevents...crc} sidecar would be picked up by TensorBoard as an event file. {@link #flush}
 * makes the data visible to readers on HDFS and local disks; object stores (S3A, GCS, ABFS) show the file only after
 * {@link #close}. Not for two writers in one folder at the same time: both would pick the same version.
 */
public final class TensorBoardWriter implements Closeable {
    /** One scalar read back from an event file. */
    public record Scalar(String tag, long step, double value, double wallTime) {}

    private static final Pattern VERSION = Pattern.compile("version_(\\d{1,18})");
    private static final int HEADER = 12;  // uint64 length + uint32 masked CRC of the length
    private static final int FOOTER = 4;   // uint32 masked CRC of the data

    private final Path dir;
    private final Path file;
    private final FSDataOutputStream out;
    private boolean closed;

    private TensorBoardWriter(Path dir, Path file, FSDataOutputStream out) {
        this.dir = dir;
        this.file = file;
        this.out = out;
    }

    /**
     * Creates {@code <saveDir>/<name>/version_N} and its event file; an empty {@code name} puts the versions directly
     * under {@code saveDir}, as in Lightning.
     */
    public static TensorBoardWriter open(Path saveDir, String name, Configuration conf) {
        return open(saveDir, name, null, conf);
    }

    /** As {@link #open(Path, String, Configuration)}, in {@code version_<version>} (null: the next free one). */
    public static TensorBoardWriter open(Path saveDir, String name, Integer version, Configuration conf) {
        Path root = name == null || name.isEmpty() ? saveDir : new Path(saveDir, name);
        Path file = null;
        try {
            FileSystem fs = rawFileSystem(root, conf);
            root = fs.makeQualified(root);
            Path dir = new Path(root, "version_" + (version != null ? version : nextVersion(fs, root)));
            fs.mkdirs(dir);
            double now = System.currentTimeMillis() / 1000.0;
            file = new Path(dir, String.format("events.out.tfevents.%010d.%s", (long) now, hostname()));
            TensorBoardWriter w = new TensorBoardWriter(dir, file, fs.create(file, false));
            try {
                w.write(Event.newBuilder().setWallTime(now).setFileVersion("brain.Event:2").build());
                w.flush();
            } catch (UncheckedIOException e) {
                w.close();
                throw e;
            }
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a TensorBoard event file " + (file != null ? file : "under " + root)
                    + ": " + e.getMessage(), e);
        }
    }

    /** The version folder ({@code .../version_N}), to point {@code tensorboard --logdir} at or its parent. */
    public Path dir() {
        return dir;
    }

    /** The event file. */
    public Path file() {
        return file;
    }

    /** One value of {@code tag} at {@code step} (stored as a 32-bit float, as TensorBoard's {@code simple_value}). */
    public synchronized void scalar(String tag, long step, double value) {
        write(Event.newBuilder()
                .setWallTime(System.currentTimeMillis() / 1000.0)
                .setStep(step)
                .setSummary(Summary.newBuilder().addValue(
                        Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value)))
                .build());
    }

    /**
     * The numeric values of a metrics row as {@code <split>/<key>} at {@code step} (one event, so TensorBoard shows them
     * at one wall time); nulls and non-numbers are skipped, as {@code metrics.jsonl} keeps them.
     */
    public synchronized void scalars(String split, long step, Map<String, ?> values) {
        Summary.Builder summary = Summary.newBuilder();
        values.forEach((key, v) -> {
            if (v instanceof Number n) {
                summary.addValue(Summary.Value.newBuilder().setTag(split + "/" + key).setSimpleValue(n.floatValue()));
            }
        });
        if (summary.getValueCount() > 0) {
            write(Event.newBuilder().setWallTime(System.currentTimeMillis() / 1000.0).setStep(step).setSummary(summary)
                    .build());
        }
    }

    /** Makes what was written so far visible to readers (hflush on HDFS; nothing to see on object stores before close). */
    public synchronized void flush() {
        try {
            if (out.hasCapability(StreamCapabilities.HFLUSH)) {
                out.hflush();
            } else {
                out.flush();  // S3A and friends reject hflush; their data appears at close
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }

    /** The scalars ({@code simple_value}s) of an event file, in file order, after checking both CRCs of every record. */
    public static List<Scalar> read(Path file, Configuration conf) {
        try (InputStream in = rawFileSystem(file, conf).open(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The scalars of an event stream; {@code name} names it in errors. A record cut short at the end is taken as one
     * still being written and ends the list, as in TensorBoard.
     */
    public static List<Scalar> read(InputStream in, String name) throws IOException {
        List<Scalar> scalars = new ArrayList<>();
        for (long offset = 0; ; ) {
            byte[] header = in.readNBytes(HEADER);
            if (header.length < HEADER) {
                return scalars;
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getLong(0);
            if (h.getInt(8) != maskedCrc32c(header, 0, 8)) {
                throw new DatasetException(name + ": bad CRC of the record length at byte " + offset
                        + "; not a TensorBoard event file, or a corrupt one");
            }
            if (length < 0 || length > Integer.MAX_VALUE - HEADER - FOOTER) {
                throw new DatasetException(name + ": record at byte " + offset + " claims " + length + " bytes");
            }
            byte[] data = in.readNBytes((int) length);
            byte[] footer = in.readNBytes(FOOTER);
            if (footer.length < FOOTER) {
                return scalars;
            }
            if (ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt() != maskedCrc32c(data, 0, data.length)) {
                throw new DatasetException(name + ": bad CRC of the record data at byte " + offset + "; the file is corrupt");
            }
            Event event;
            try {
                event = Event.parseFrom(data);
            } catch (InvalidProtocolBufferException e) {
                throw new DatasetException(name + ": the record at byte " + offset + " is not an Event: " + e.getMessage(), e);
            }
            for (Summary.Value v : event.getSummary().getValueList()) {
                if (v.hasSimpleValue()) {
                    scalars.add(new Scalar(v.getTag(), event.getStep(), v.getSimpleValue(), event.getWallTime()));
                }
            }
            offset += HEADER + length + FOOTER;
        }
    }

    private void write(Event event) {
        try {
            out.write(frame(event.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** One record as TensorFlow's {@code RecordWriter} frames it (little endian, masked CRC32C of length and data). */
    static byte[] frame(byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + data.length + FOOTER).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(data.length);
        b.putInt(maskedCrc32c(b.array(), 0, 8));
        b.put(data);
        b.putInt(maskedCrc32c(data, 0, data.length));
        return b.array();
    }

    /** TensorFlow's masked CRC32C ({@code crc32c::Mask}): a CRC of data that embeds CRCs is then still well spread. */
    static int maskedCrc32c(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    private static long nextVersion(FileSystem fs, Path root) throws IOException {
        long next = 0;
        if (fs.exists(root)) {
            for (FileStatus s : fs.listStatus(root)) {
                Matcher m = VERSION.matcher(s.getPath().getName());
                if (s.isDirectory() && m.matches()) {
                    next = Math.max(next, Long.parseLong(m.group(1)) + 1);
                }
            }
        }
        return next;
    }

    private static FileSystem rawFileSystem(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
