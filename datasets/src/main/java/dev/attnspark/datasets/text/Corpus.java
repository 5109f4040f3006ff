package dev.attnspark.datasets.text;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import dev.attnspark.datasets.io.SerializableConfiguration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Language-modelling corpora in the layouts they are published in, as the texts of a split, in order:
 * <ul>
 * <li>{@code wikitext}: WikiText-103 raw ({@code wiki.train.raw}, {@code wiki.valid.raw}, {@code wiki.test.raw}, in
 *     the folder or a {@code wikitext-103-raw} folder in it), or its Hugging Face Parquet form
 *     ({@code [wikitext-103-raw-v1/]train-00000-of-00002.parquet}, {@code validation-*}, {@code test-*}, a
 *     {@code text} column). A raw file's rows are its lines as Hugging Face's {@code wikitext} builder yields them:
 *     the line with its newline, or {@code ""} for a blank line.</li>
 * <li>{@code c4}: C4 as published ({@code c4-train.00000-of-01024.json.gz}, {@code c4-validation.00000-of-00008.json.gz},
 *     JSON lines with {@code text}, in the folder or an {@code en} folder in it), one document per row.</li>
 * <li>{@code text}: plain UTF-8 text, {@code train.txt} / {@code valid.txt} (or every {@code .txt} file in a
 *     {@code train/} or {@code valid/} folder), one row per line with its newline.</li>
 * </ul>
 * Raw and plain text are decoded strictly: a byte sequence that is not UTF-8 is an error naming the file and line.
 */
public final class Corpus {
    /** Raw WikiText and plain text files, read line by line; tables through Spark SQL. */
    public enum Format { LINES, TABLE }

    /**
     * A split's files, in reading order.
     *
     * @param blankLinesEmpty whether blank lines are {@code ""} rows (WikiText) rather than {@code "\n"}
     */
    public record Source(String dataset, String split, List<String> files, Format format,
                         TextTable.Format tableFormat, boolean blankLinesEmpty) implements Serializable {}

    private static final Pattern HF_SHARD = Pattern.compile("-\\d{5}-of-\\d{5}\\.parquet$");

    private Corpus() {}

    /** The datasets this reads. */
    public static List<String> datasets() {
        return List.of("wikitext", "c4", "text");
    }

    /**
     * Finds a split's files.
     *
     * @param split {@code train}, {@code valid} or {@code test}
     */
    public static Source locate(String dir, String dataset, String split, Configuration conf) {
        try {
            Path root = new Path(dir);
            FileSystem fs = HadoopFiles.fileSystem(root, conf);
            if (!fs.exists(root)) {
                throw new DatasetException(dir + ": no such folder (data.dataset_dir of the " + dataset + " data)");
            }
            return switch (dataset) {
                case "wikitext" -> wikiText(fs, root, split);
                case "c4" -> c4(fs, root, split);
                case "text" -> plainText(fs, root, split);
                default -> throw new IllegalArgumentException("unknown corpus " + dataset + "; known: " + datasets());
            };
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
    }

    private static Source wikiText(FileSystem fs, Path root, String split) throws IOException {
        for (Path dir : List.of(root, new Path(root, "wikitext-103-raw"))) {
            Path raw = new Path(dir, "wiki." + split + ".raw");
            if (fs.isFile(raw)) {
                return new Source("wikitext", split, List.of(raw.toString()), Format.LINES, null, true);
            }
        }
        String hf = split.equals("valid") ? "validation" : split;
        List<String> parquet = find(fs, root, 2, name -> name.startsWith(hf + "-") && HF_SHARD.matcher(name).find());
        if (!parquet.isEmpty()) {
            return new Source("wikitext", split, parquet, Format.TABLE, TextTable.Format.PARQUET, false);
        }
        throw new DatasetException(root + ": no WikiText " + split + " split: expected wiki." + split + ".raw (raw "
                + "WikiText-103) or " + hf + "-NNNNN-of-NNNNN.parquet (its Hugging Face form, also under "
                + "wikitext-103-raw-v1/)");
    }

    private static Source c4(FileSystem fs, Path root, String split) throws IOException {
        String name = split.equals("valid") ? "validation" : split;
        Pattern p = Pattern.compile("^c4-" + name + "\\.\\d{5}-of-\\d{5}\\.json(\\.gz)?$");
        List<String> files = find(fs, root, 1, n -> p.matcher(n).matches());
        if (files.isEmpty()) {
            throw new DatasetException(root + ": no C4 " + split + " split: expected c4-" + name
                    + ".NNNNN-of-NNNNN.json.gz files (also under en/)");
        }
        return new Source("c4", split, files, Format.TABLE, TextTable.Format.JSON, false);
    }

    private static Source plainText(FileSystem fs, Path root, String split) throws IOException {
        Path file = new Path(root, split + ".txt");
        if (fs.isFile(file)) {
            return new Source("text", split, List.of(file.toString()), Format.LINES, null, false);
        }
        Path dir = new Path(root, split);
        if (fs.isDirectory(dir)) {
            List<String> files = find(fs, dir, 0, n -> n.toLowerCase(Locale.ROOT).endsWith(".txt"));
            if (!files.isEmpty()) {
                return new Source("text", split, files, Format.LINES, null, false);
            }
        }
        throw new DatasetException(root + ": no " + split + " split: expected " + split + ".txt or .txt files in "
                + split + "/");
    }

    /** Files whose name passes {@code accept}, at most {@code depth} folders down, sorted by path. */
    private static List<String> find(FileSystem fs, Path dir, int depth, java.util.function.Predicate<String> accept)
            throws IOException {
        List<FileStatus> found = new ArrayList<>();
        collect(fs, dir, depth, accept, found);
        found.sort(Comparator.comparing(s -> s.getPath().toString()));
        return found.stream().map(s -> s.getPath().toString()).toList();
    }

    private static void collect(FileSystem fs, Path dir, int depth, java.util.function.Predicate<String> accept,
                                List<FileStatus> out) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (s.isDirectory() && depth > 0) {
                collect(fs, s.getPath(), depth - 1, accept, out);
            } else if (s.isFile() && accept.test(name)) {
                out.add(s);
            }
        }
    }

    /**
     * The split's rows in order: files in path order, a raw or plain text file in one partition of its own (read
     * from its start, so that errors can name the line), tables in as many as {@code numPartitions} asks for.
     */
    public static JavaRDD<String> texts(JavaSparkContext sc, Source source, int numPartitions) {
        if (source.format() == Format.TABLE) {
            return TextTable.rdd(sc, source.files(), source.tableFormat(), null, "the " + source.split() + " split",
                    numPartitions).map(TextExample::text);
        }
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        boolean wiki = source.blankLinesEmpty();
        return sc.parallelize(source.files(), source.files().size()).flatMap(f -> Utf8Lines.read(f, conf.get(), wiki));
    }
}
