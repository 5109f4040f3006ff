package dev.attnspark.datasets.imdb;

import dev.attnspark.datasets.text.TextTable;
import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import dev.attnspark.datasets.text.TextExample;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The IMDb movie reviews (Maas et al. 2011) in {@code data.dataset_dir}, in whichever of its real layouts it is:
 * <ul>
 * <li>the original tree: the {@code aclImdb} folder itself, or a folder holding {@code aclImdb/} ({@link AclImdb});</li>
 * <li>Hugging Face's: files with {@code text} and {@code label} columns (neg 0, pos 1, unsupervised -1) named by
 *     split ({@code plain_text/train-00000-of-00001.parquet}, {@code test.parquet}, {@code unsupervised.jsonl},
 *     ..., or in a folder named by split), in Parquet, CSV or JSON, up to four folders down ({@link TextTable}).</li>
 * </ul>
 * Splits as perceiver-io's {@code ImdbDataModule} ({@code perceiver/data/text/imdb.py}): classification trains on
 * {@code train}, the masked language model on {@code unsupervised} (labels dropped), both validate on {@code test}.
 */
public final class Imdb {
    public static final int NUM_CLASSES = 2;
    /** Where users get the data; nothing is downloaded by the job. */
    public static final String SOURCE = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz, or the "
            + "Parquet files of the Hugging Face dataset stanfordnlp/imdb";
    private static final int MAX_DEPTH = 4;

    private Imdb() {}

    /** The splits, by their Hugging Face names. */
    public enum Split {
        TRAIN("train"), TEST("test"), UNSUPERVISED("unsupervised");

        private final String hfName;

        Split(String hfName) {
            this.hfName = hfName;
        }

        public String hfName() {
            return hfName;
        }

        /**
         * Whether a data file is of this split: a token of its name (between '-', '_' and '.') or its folder (when
         * below {@code data.dataset_dir}) is the split's name, or "unsup" for unsupervised.
         */
        boolean names(String fileName, String folder) {
            if (folder != null && isName(folder.toLowerCase(Locale.ROOT))) {
                return true;
            }
            for (String token : fileName.toLowerCase(Locale.ROOT).split("[-_.\\s]+")) {
                if (isName(token)) {
                    return true;
                }
            }
            return false;
        }

        private boolean isName(String token) {
            return token.equals(hfName) || (this == UNSUPERVISED && token.equals("unsup"));
        }
    }

    /** The split a model trains on: {@code unsupervised} for the masked language model, else {@code train}. */
    public static Split trainSplit(boolean maskedLanguageModel) {
        return maskedLanguageModel ? Split.UNSUPERVISED : Split.TRAIN;
    }

    /** The split every IMDb model validates on. */
    public static Split validSplit() {
        return Split.TEST;
    }

    public enum Layout { ACL_IMDB, TABLES }

    /**
     * Where a split's data is.
     *
     * @param folder the aclImdb tree, or the folder of the split's files
     * @param files  the review files (aclImdb) or the data files, in reading order
     * @param format the files' format ({@link Layout#TABLES} only)
     */
    public record Source(Layout layout, Split split, String folder, List<String> files, TextTable.Format format) {}

    /** Finds a split in {@code datasetDir}, checking what can be checked without reading the data. */
    public static Source locate(String datasetDir, Split split, Configuration conf) {
        Path dir = new Path(datasetDir);
        try {
            FileSystem fs = HadoopFiles.fileSystem(dir, conf);
            if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
                throw new DatasetException(datasetDir + ": " + (fs.exists(dir) ? "not a folder" : "no such folder")
                        + " (data.dataset_dir must be an aclImdb tree, a folder holding aclImdb/, or a folder of "
                        + "Parquet, CSV or JSON files named train*, test*, unsupervised*; get the data from " + SOURCE + ")");
            }
            for (Path root : List.of(dir, new Path(dir, "aclImdb"))) {
                if (AclImdb.isTree(root, fs)) {
                    List<String> files = AclImdb.list(root, split, conf);
                    return new Source(Layout.ACL_IMDB, split, root.toString(), files, null);
                }
            }
            return locateTables(dir, split, fs);
        } catch (IOException e) {
            throw new DatasetException(datasetDir + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
    }

    private static Source locateTables(Path dir, Split split, FileSystem fs) throws IOException {
        List<FileStatus> candidates = new ArrayList<>();
        collect(fs, dir, 0, candidates);
        candidates.sort(Comparator.comparing(s -> s.getPath().toString()));
        List<FileStatus> mine = candidates.stream().filter(s -> split.names(s.getPath().getName(),
                s.getPath().getParent().toUri().getPath().equals(dir.toUri().getPath()) ? null
                        : s.getPath().getParent().getName())).toList();
        if (mine.isEmpty()) {
            if (candidates.isEmpty() && fs.exists(new Path(dir, "aclImdb_v1.tar.gz"))) {
                throw new DatasetException(dir + ": aclImdb_v1.tar.gz is not read as an archive; extract it there "
                        + "(tar xzf aclImdb_v1.tar.gz) to get the aclImdb folder");
            }
            if (candidates.isEmpty()) {
                throw new DatasetException(dir + ": no IMDb dataset (neither an aclImdb tree with {train,test}/{neg,pos}"
                        + "/*.txt nor Parquet, CSV or JSON files named by split, such as "
                        + "plain_text/train-00000-of-00001.parquet; get the data from " + SOURCE + ")");
            }
            throw new DatasetException(dir + ": no file for the " + split.hfName() + " split (found "
                    + String.join(", ", candidates.stream().map(s -> relative(dir, s.getPath())).toList())
                    + "); its files must have '" + split.hfName() + "' in their names or be in a folder of that name");
        }
        Set<String> folders = new TreeSet<>();
        Set<String> extensions = new LinkedHashSet<>();
        for (FileStatus s : mine) {
            folders.add(s.getPath().getParent().toString());
            extensions.add(extension(s.getPath().getName()));
        }
        if (folders.size() > 1) {
            throw new DatasetException(dir + ": files of the " + split.hfName() + " split in " + folders.size()
                    + " folders (" + String.join(", ", folders) + "); point data.dataset_dir at one of them");
        }
        if (extensions.contains("arrow")) {
            throw new DatasetException(mine.get(0).getPath() + ": Arrow files (the Hugging Face datasets cache) are "
                    + "not read; write the split as Parquet (Dataset.to_parquet) or use the hub's Parquet files");
        }
        TextTable.Format format = TextTable.Format.of(mine.get(0).getPath().getName());
        for (FileStatus s : mine) {
            if (TextTable.Format.of(s.getPath().getName()) != format) {
                throw new DatasetException(dir + ": the " + split.hfName() + " split is in several formats ("
                        + String.join(", ", mine.stream().map(f -> f.getPath().getName()).toList()) + ")");
            }
        }
        return new Source(Layout.TABLES, split, folders.iterator().next(),
                mine.stream().map(s -> s.getPath().toString()).toList(), format);
    }

    /** Data files (and Spark's output folders named like one, {@code train.parquet/}) up to {@link #MAX_DEPTH} down. */
    private static void collect(FileSystem fs, Path dir, int depth, List<FileStatus> out) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String name = s.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            boolean data = TextTable.Format.of(name) != null || name.toLowerCase(Locale.ROOT).endsWith(".arrow");
            if (data) {
                out.add(s);
            } else if (s.isDirectory() && depth < MAX_DEPTH) {
                collect(fs, s.getPath(), depth + 1, out);
            }
        }
    }

    private static String extension(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".arrow") ? "arrow" : String.valueOf(TextTable.Format.of(n));
    }

    private static String relative(Path dir, Path file) {
        String d = dir.toUri().getPath();
        String f = file.toUri().getPath();
        return f.startsWith(d) ? f.substring(d.length()).replaceFirst("^/", "") : f;
    }

    /** A split of {@code datasetDir} as an RDD. */
    public static JavaRDD<TextExample> rdd(JavaSparkContext sc, String datasetDir, Split split, int numPartitions) {
        return rdd(sc, locate(datasetDir, split, sc.hadoopConfiguration()), numPartitions);
    }

    /**
     * A located split as an RDD in reading order, in {@code numPartitions} shards (aclImdb: of files; tables: at least
     * Spark SQL's file splits, spread further in order by a shuffle if fewer).
     */
    public static JavaRDD<TextExample> rdd(JavaSparkContext sc, Source source, int numPartitions) {
        String what = "the IMDb " + source.split().hfName() + " split";
        return switch (source.layout()) {
            case ACL_IMDB -> AclImdb.rdd(sc, source.files(), numPartitions);
            case TABLES -> TextTable.rdd(sc, source.files(), source.format(),
                    source.split() == Split.UNSUPERVISED ? null : new int[] {0, 1}, what, numPartitions);
        };
    }

    /** The texts of a split for the masked language model (labels dropped, as upstream). */
    public static JavaRDD<String> texts(JavaRDD<TextExample> examples) {
        return examples.map(TextExample::text);
    }
}
