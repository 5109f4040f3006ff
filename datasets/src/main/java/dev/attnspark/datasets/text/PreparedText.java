package dev.attnspark.datasets.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.attnspark.datasets.DatasetException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Tokenized text written once and read by every run, as perceiver-io's {@code preproc} step does: one folder of
 * Parquet files per split (Spark SQL's writer and reader) beside a manifest, {@value #MANIFEST}, that records how the
 * text was tokenized and cut, so that a run with other settings is refused instead of training on the wrong inputs.
 * The folder appears only once complete (written under a temporary name and renamed).
 * <ul>
 * <li>{@code chunks} (masked language model): {@code index} (long, seeds the chunk's masks), {@code ids} and
 *     {@code word_ids} (int arrays); masks are drawn when batches are made, so one preparation serves dynamic and
 *     static masking.</li>
 * <li>{@code texts} (classification): {@code index}, {@code label} (int), {@code ids} (int array).</li>
 * <li>{@code sequences} (causal language model): {@code index}, {@code ids} (int array, {@code max_seq_len + 1}).</li>
 * </ul>
 * Rows are read back ordered by {@code index}, whatever Spark's file splits are.
 */
public final class PreparedText {
    public static final String MANIFEST = "prep.json";
    public static final String FORMAT = "attnspark-prepared-text/1";
    public static final String CHUNKS_KIND = "chunks";
    public static final String TEXTS_KIND = "texts";
    public static final String SEQUENCES_KIND = "sequences";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final StructType CHUNKS = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
            .add("word_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    private static final StructType TEXTS = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    private static final StructType SEQUENCES = new StructType()
            .add("index", DataTypes.LongType, false)
            .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

    private PreparedText() {}

    /**
     * How the text was prepared.
     *
     * @param kind     {@code chunks} or {@code texts}
     * @param settings the data keys that shaped the tokens (e.g. {@code max_seq_len}), by configuration name
     * @param source   where the raw text came from
     * @param splits   rows per split
     */
    public record Manifest(String format, String kind, Map<String, Object> settings, String source,
                           Map<String, Long> splits) {}

    /** Whether {@code dir} is a prepared dataset (holds {@value #MANIFEST}). */
    public static boolean isPrepared(String dir, Configuration conf) {
        Path manifest = new Path(dir, MANIFEST);
        try {
            return manifest.getFileSystem(conf).exists(manifest);
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static Manifest manifest(String dir, Configuration conf) {
        Path file = new Path(dir, MANIFEST);
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            Manifest m = JSON.readValue(in, Manifest.class);
            if (!FORMAT.equals(m.format())) {
                throw new DatasetException(file + ": format " + m.format() + ", this job reads " + FORMAT);
            }
            return m;
        } catch (IOException e) {
            throw new DatasetException(file + ": not a readable manifest (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks that a prepared dataset was made with {@code settings} and has {@code split}; the error names every
     * key that differs.
     */
    public static Manifest require(String dir, String kind, Map<String, Object> settings, String split,
                                   Configuration conf) {
        Manifest m = manifest(dir, conf);
        if (!m.kind().equals(kind)) {
            throw new DatasetException(dir + ": prepared as " + m.kind() + ", this task reads " + kind
                    + "; prepare it with this task's configuration");
        }
        List<String> differ = settings.entrySet().stream()
                .filter(e -> !String.valueOf(e.getValue()).equals(String.valueOf(m.settings().get(e.getKey()))))
                .map(e -> "data." + e.getKey() + " (prepared " + m.settings().get(e.getKey()) + ", configured "
                        + e.getValue() + ")").toList();
        if (!differ.isEmpty()) {
            throw new DatasetException(dir + ": prepared with other settings: " + String.join(", ", differ)
                    + "; set them as prepared, or prepare again");
        }
        if (!m.splits().containsKey(split)) {
            throw new DatasetException(dir + ": has no prepared " + split + " split (it has " + m.splits().keySet()
                    + ")");
        }
        return m;
    }

    /** Writes masked-language-model chunks per split into {@code out}, which must not exist. */
    public static Manifest writeChunks(Map<String, JavaRDD<TokenChunk>> splits, Map<String, Object> settings,
                                       String source, String out, Configuration conf) {
        Map<String, JavaRDD<Row>> rows = new LinkedHashMap<>();
        splits.forEach((name, rdd) -> rows.put(name, rdd.map(c -> RowFactory.create(c.index(), c.ids(), c.wordIds()))));
        return write(CHUNKS_KIND, CHUNKS, rows, settings, source, out, conf);
    }

    /** Writes tokenized classification texts per split into {@code out}, which must not exist. */
    public static Manifest writeTexts(Map<String, JavaRDD<TokenizedText>> splits, Map<String, Object> settings,
                                      String source, String out, Configuration conf) {
        Map<String, JavaRDD<Row>> rows = new LinkedHashMap<>();
        splits.forEach((name, rdd) -> rows.put(name, rdd.zipWithIndex()
                .map(t -> RowFactory.create(t._2, t._1.label(), t._1.ids()))));
        return write(TEXTS_KIND, TEXTS, rows, settings, source, out, conf);
    }

    /** Writes causal-language-model sequences per split into {@code out}, which must not exist. */
    public static Manifest writeSequences(Map<String, JavaRDD<TokenSequence>> splits, Map<String, Object> settings,
                                          String source, String out, Configuration conf) {
        Map<String, JavaRDD<Row>> rows = new LinkedHashMap<>();
        splits.forEach((name, rdd) -> rows.put(name, rdd.map(c -> RowFactory.create(c.index(), c.ids()))));
        return write(SEQUENCES_KIND, SEQUENCES, rows, settings, source, out, conf);
    }

    /** A split's sequences in {@code index} order, in at most {@code numPartitions} shards. */
    public static JavaRDD<TokenSequence> sequences(String dir, String split, int numPartitions) {
        return read(dir, split, SEQUENCES, numPartitions).map(r -> new TokenSequence(r.getLong(0), ints(r.getList(1))));
    }

    /** A split's chunks in {@code index} order, in at most {@code numPartitions} shards. */
    public static JavaRDD<TokenChunk> chunks(String dir, String split, int numPartitions) {
        return read(dir, split, CHUNKS, numPartitions)
                .map(r -> new TokenChunk(r.getLong(0), ints(r.getList(1)), ints(r.getList(2))));
    }

    /** A split's texts in {@code index} order, in at most {@code numPartitions} shards. */
    public static JavaRDD<TokenizedText> texts(String dir, String split, int numPartitions) {
        return read(dir, split, TEXTS, numPartitions).map(r -> new TokenizedText(r.getInt(1), ints(r.getList(2))));
    }

    private static JavaRDD<Row> read(String dir, String split, StructType schema, int numPartitions) {
        SparkSession spark = SparkSession.builder().getOrCreate();
        return spark.read().schema(schema).parquet(new Path(dir, split).toString()).orderBy("index").toJavaRDD()
                .coalesce(Math.max(1, numPartitions));
    }

    private static int[] ints(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }

    private static Manifest write(String kind, StructType schema, Map<String, JavaRDD<Row>> splits,
                                  Map<String, Object> settings, String source, String out, Configuration conf) {
        Path dest = new Path(out);
        try {
            FileSystem fs = dest.getFileSystem(conf);
            if (fs.exists(dest)) {
                throw new DatasetException(out + " already exists; prepare into a new folder");
            }
            Path tmp = new Path(dest.getParent(), "." + dest.getName() + ".tmp-" + UUID.randomUUID());
            SparkSession spark = SparkSession.builder().getOrCreate();
            Map<String, Long> counts = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, JavaRDD<Row>> s : splits.entrySet()) {
                    Dataset<Row> df = spark.createDataFrame(s.getValue(), schema);
                    df.write().parquet(new Path(tmp, s.getKey()).toString());
                    counts.put(s.getKey(), spark.read().parquet(new Path(tmp, s.getKey()).toString()).count());
                }
                Manifest m = new Manifest(FORMAT, kind, settings, source, counts);
                try (FSDataOutputStream o = fs.create(new Path(tmp, MANIFEST), false)) {
                    o.write(JSON.writeValueAsString(m).getBytes(StandardCharsets.UTF_8));
                }
                if (!fs.rename(tmp, dest)) {
                    throw new IOException("cannot rename " + tmp + " to " + dest);
                }
                return m;
            } finally {
                if (fs.exists(tmp)) {
                    fs.delete(tmp, true);
                }
            }
        } catch (IOException e) {
            throw new DatasetException(out + ": cannot write the prepared dataset (" + e.getMessage() + ")", e);
        }
    }
}
