package dev.attnspark.datasets.mnist;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.idx.IdxFile;
import dev.attnspark.datasets.io.HadoopFiles;
import dev.attnspark.datasets.io.SerializableConfiguration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * MNIST in its original IDX files, in a folder on any Hadoop file system: {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally
 * with {@code .gz}. The driver validates both files of a split; executors each read their own range of records.
 */
public final class Mnist {
    public static final int ROWS = 28;
    public static final int COLS = 28;
    public static final int NUM_CLASSES = 10;
    /** Where users get the files; nothing is downloaded by the job. */
    public static final String SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/ (mirror of yann.lecun.com/exdb/mnist)";

    private Mnist() {}

    /** The training split ({@code train-*}) and the test split ({@code t10k-*}, perceiver-io's validation set). */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        public String imagesName() {
            return prefix + "-images-idx3-ubyte";
        }

        public String labelsName() {
            return prefix + "-labels-idx1-ubyte";
        }
    }

    /** A validated split: its two files and their headers. */
    public record SplitFiles(Split split, String images, String labels, IdxFile.Header imageHeader,
                             IdxFile.Header labelHeader) implements Serializable {
        public int size() {
            return imageHeader.count();
        }

        public int imageSize() {
            return imageHeader.recordSize();
        }
    }

    /**
     * Finds and validates a split in {@code datasetDir}: magic numbers, dimensions (n × 28 × 28 and n), exact data
     * lengths, equal image and label counts, and labels 0–9.
     */
    public static SplitFiles open(String datasetDir, Split split, Configuration conf) {
        Path images = locate(datasetDir, split.imagesName(), conf);
        Path labels = locate(datasetDir, split.labelsName(), conf);
        IdxFile.Header ih = IdxFile.validate(images, conf, ROWS, COLS);
        IdxFile.Header lh = IdxFile.validate(labels, conf);
        if (ih.count() != lh.count()) {
            throw new DatasetException(images + " holds " + ih.count() + " images but " + labels + " holds "
                    + lh.count() + " labels");
        }
        byte[] y = IdxFile.readRecords(labels, conf, lh, 0, lh.count());
        for (int i = 0; i < y.length; i++) {
            if ((y[i] & 0xff) >= NUM_CLASSES) {
                throw new DatasetException(labels + ": label " + (y[i] & 0xff) + " of record " + i
                        + " is not a digit 0-9");
            }
        }
        return new SplitFiles(split, images.toString(), labels.toString(), ih, lh);
    }

    private static Path locate(String dir, String name, Configuration conf) {
        Path base = new Path(dir);
        try {
            for (String candidate : List.of(name, name + ".gz")) {
                Path p = new Path(base, candidate);
                if (HadoopFiles.isFile(p, conf)) {
                    return p;
                }
            }
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list the MNIST folder (" + e.getMessage() + ")", e);
        }
        throw new DatasetException(dir + ": no " + name + " or " + name + ".gz (the MNIST folder needs "
                + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
                + "gzipped or not; download them from " + SOURCE + ")");
    }

    /** Reads records {@code [from, to)} of a split (on an executor or locally). */
    public static List<ImageExample> read(SplitFiles files, Configuration conf, int from, int to) {
        byte[] pixels = IdxFile.readRecords(new Path(files.images()), conf, files.imageHeader(), from, to);
        byte[] labels = IdxFile.readRecords(new Path(files.labels()), conf, files.labelHeader(), from, to);
        int size = files.imageSize();
        List<ImageExample> out = new ArrayList<>(to - from);
        for (int i = 0; i < to - from; i++) {
            byte[] img = new byte[size];
            System.arraycopy(pixels, i * size, img, 0, size);
            out.add(new ImageExample(from + i, labels[i] & 0xff, img));
        }
        return out;
    }

    /**
     * The split as an RDD of {@code numPartitions} shards, each read by its executor straight from the files
     * (nothing passes through the driver).
     */
    public static JavaRDD<ImageExample> rdd(JavaSparkContext sc, SplitFiles files, int numPartitions) {
        int n = files.size();
        int parts = Math.max(1, Math.min(numPartitions, n));
        List<int[]> ranges = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            ranges.add(new int[] {(int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)});
        }
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        return sc.parallelize(ranges, parts)
                .flatMap(r -> read(files, conf.get(), r[0], r[1]).iterator());
    }
}
