package dev.attnspark.datasets.imdb;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import dev.attnspark.datasets.io.SerializableConfiguration;
import dev.attnspark.datasets.text.TextExample;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original IMDb tree ({@code aclImdb_v1.tar.gz}): {@code {train,test}/{neg,pos}/<id>_<rating>.txt} and
 * {@code train/unsup/<id>_0.txt}, one UTF-8 review per file, taken as it is (HTML {@code <br />} included), as the
 * Hugging Face {@code imdb} builder does. The driver lists the folders; executors read and decode the files.
 * Order: neg before pos (as Hugging Face's Parquet files), files by id then rating.
 */
public final class AclImdb {
    /** A review's file name: {@code <id>_<rating>.txt}. */
    private static final Pattern NAME = Pattern.compile("(\\d+)_(\\d+)\\.txt");

    private AclImdb() {}

    /**
     * Whether {@code dir} is an aclImdb tree: it has one of the review folders ({@code train/neg}, ...); a bare
     * {@code train/} is not enough (Hugging Face's {@code save_to_disk} makes one too).
     */
    static boolean isTree(Path dir, FileSystem fs) throws IOException {
        for (Imdb.Split split : Imdb.Split.values()) {
            for (String folder : folders(split)) {
                if (isDir(fs, new Path(dir, folder))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isDir(FileSystem fs, Path p) throws IOException {
        return fs.exists(p) && fs.getFileStatus(p).isDirectory();
    }

    /** The folders of a split, relative to the tree: {@code train/neg, train/pos}, or {@code train/unsup}. */
    static List<String> folders(Imdb.Split split) {
        return switch (split) {
            case TRAIN -> List.of("train/neg", "train/pos");
            case TEST -> List.of("test/neg", "test/pos");
            case UNSUPERVISED -> List.of("train/unsup");
        };
    }

    /** The review files of a split, in reading order; every folder must exist and hold at least one review. */
    static List<String> list(Path root, Imdb.Split split, Configuration conf) {
        List<String> out = new ArrayList<>();
        for (String name : folders(split)) {
            Path folder = new Path(root, name);
            try {
                FileSystem fs = HadoopFiles.fileSystem(folder, conf);
                if (!isDir(fs, folder)) {
                    throw new DatasetException(folder + ": no such folder (an aclImdb tree has "
                            + "{train,test}/{neg,pos}/*.txt and train/unsup/*.txt; the " + split.hfName()
                            + " split needs " + String.join(" and ", folders(split)) + ")");
                }
                List<FileStatus> reviews = new ArrayList<>();
                for (FileStatus s : fs.listStatus(folder)) {
                    if (s.isFile() && s.getPath().getName().endsWith(".txt")) {
                        reviews.add(s);
                    }
                }
                if (reviews.isEmpty()) {
                    throw new DatasetException(folder + ": no reviews (*.txt files) in the folder, so the "
                            + split.hfName() + " split would be empty or one-sided");
                }
                reviews.sort(Comparator.comparing((FileStatus s) -> s.getPath().getName(), AclImdb::compareNames));
                for (FileStatus s : reviews) {
                    out.add(s.getPath().toString());
                }
            } catch (IOException e) {
                throw new DatasetException(folder + ": cannot list the folder (" + e.getMessage() + ")", e);
            }
        }
        return out;
    }

    /** {@code <id>_<rating>.txt} by id, then rating; other names after those, by name. */
    private static int compareNames(String a, String b) {
        Matcher ma = NAME.matcher(a);
        Matcher mb = NAME.matcher(b);
        boolean na = ma.matches();
        boolean nb = mb.matches();
        if (na && nb) {
            int c = Long.compare(Long.parseLong(ma.group(1)), Long.parseLong(mb.group(1)));
            return c != 0 ? c : Integer.compare(Integer.parseInt(ma.group(2)), Integer.parseInt(mb.group(2)));
        }
        return na != nb ? (na ? -1 : 1) : a.compareTo(b);
    }

    /** The split as an RDD of {@code numPartitions} shards of files, each read by its executor. */
    static JavaRDD<TextExample> rdd(JavaSparkContext sc, List<String> files, int numPartitions) {
        int parts = Math.max(1, Math.min(numPartitions, files.size()));
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        return sc.parallelize(files, parts).map(f -> read(f, conf.get()));
    }

    /** Reads one review; its label is its folder's (neg 0, pos 1, unsup -1), its rating the one in its name. */
    public static TextExample read(String file, Configuration conf) {
        Path path = new Path(file);
        byte[] bytes;
        try (InputStream in = HadoopFiles.open(path, conf, 0)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read the review (" + e.getMessage() + ")", e);
        }
        String folder = path.getParent().getName();
        int label = switch (folder) {
            case "neg" -> 0;
            case "pos" -> 1;
            case "unsup" -> TextExample.NO_LABEL;
            default -> throw new DatasetException(file + ": not in a neg, pos or unsup folder of an aclImdb tree");
        };
        Matcher m = NAME.matcher(path.getName());
        int rating = m.matches() ? Integer.parseInt(m.group(2)) : TextExample.NO_RATING;
        return new TextExample(strictUtf8(bytes, file), label, file, rating);
    }

    /** Decodes UTF-8 that must be valid (Python's strict {@code decode("utf-8")}, a leading BOM kept as U+FEFF). */
    static String strictUtf8(byte[] bytes, String file) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new DatasetException(file + ": not UTF-8 text (invalid byte 0x"
                    + String.format("%02x", bytes[at] & 0xff) + " at offset " + at + "); IMDb reviews are UTF-8");
        }
        out.flip();
        return out.toString();
    }
}
