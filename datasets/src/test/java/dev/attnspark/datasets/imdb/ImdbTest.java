package dev.attnspark.datasets.imdb;

import dev.attnspark.datasets.text.TextTable;
import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.text.TextExample;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** IMDb in the aclImdb tree and in Hugging Face's Parquet (and CSV, JSON) layout, good and bad. */
class ImdbTest {
    static JavaSparkContext sc;
    static SparkSession spark;
    static final Configuration CONF = new Configuration();

    static final String NEG = "This movie was a waste of time.<br /><br />The acting was \"wooden\", the plot… "
            + "non-existent. 2/10";
    static final String POS = "Un chef-d'œuvre! I loved it — the score, the cast (Zoë was great) 😀\n\nGo see it.";
    static final String UNSUP = "  Saw it twice.\tStill not sure what I think,  honestly.  ";

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("imdb-test")
                .set("spark.ui.enabled", "false").set("spark.sql.shuffle.partitions", "2")
                // tiny tables: interpreting beats compiling generated code
                .set("spark.sql.codegen.wholeStage", "false").set("spark.sql.codegen.factoryMode", "NO_CODEGEN"));
        spark = SparkSession.builder().config(sc.getConf()).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    // ---- aclImdb ----

    private static void review(Path root, String folder, String name, String text) throws IOException {
        Path dir = root.resolve(folder);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** A small tree with the real names: {@code <id>_<rating>.txt}, ids not in listing order. */
    private static Path aclTree(Path parent) throws IOException {
        Path root = parent.resolve("aclImdb");
        review(root, "train/neg", "10_2.txt", NEG + " (10)");
        review(root, "train/neg", "2_1.txt", NEG + " (2)");
        review(root, "train/neg", "0_3.txt", NEG);
        review(root, "train/pos", "1_7.txt", POS + " (1)");
        review(root, "train/pos", "0_9.txt", POS);
        review(root, "train/unsup", "0_0.txt", UNSUP);
        review(root, "train/unsup", "1_0.txt", "");
        review(root, "test/neg", "0_4.txt", NEG + " test");
        review(root, "test/pos", "0_10.txt", POS + " test");
        // files that are not reviews: the tree's own metadata
        Files.writeString(root.resolve("train/labeledBow.feat"), "0 0:1");
        Files.writeString(root.resolve("imdb.vocab"), "the");
        return root;
    }

    @Test
    void aclImdbSplitsLabelsRatingsAndOrder(@TempDir Path tmp) throws IOException {
        Path root = aclTree(tmp);
        List<TextExample> train = Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 2).collect();
        assertThat(train).extracting(e -> Path.of(e.source()).getFileName().toString())
                .containsExactly("0_3.txt", "2_1.txt", "10_2.txt", "0_9.txt", "1_7.txt");
        assertThat(train).extracting(TextExample::label).containsExactly(0, 0, 0, 1, 1);
        assertThat(train).extracting(TextExample::rating).containsExactly(3, 1, 2, 9, 7);
        assertThat(train.get(0).text()).isEqualTo(NEG);
        assertThat(train.get(3).text()).isEqualTo(POS);

        // the aclImdb folder itself works as well as its parent
        List<TextExample> unsup = Imdb.rdd(sc, root.toString(), Imdb.trainSplit(true), 3).collect();
        assertThat(unsup).extracting(TextExample::text).containsExactly(UNSUP, "");
        assertThat(unsup).extracting(TextExample::label).containsOnly(TextExample.NO_LABEL);
        assertThat(unsup).extracting(TextExample::rating).containsOnly(0);

        List<TextExample> test = Imdb.rdd(sc, "file://" + root, Imdb.validSplit(), 1).collect();
        assertThat(test).extracting(TextExample::label).containsExactly(0, 1);
        assertThat(test).extracting(TextExample::rating).containsExactly(4, 10);
        Imdb.Source s = Imdb.locate(root.toString(), Imdb.Split.TEST, CONF);
        assertThat(s.layout()).isEqualTo(Imdb.Layout.ACL_IMDB);
        assertThat(Imdb.trainSplit(false)).isEqualTo(Imdb.Split.TRAIN);
    }

    @Test
    void aclImdbMissingAndEmptyFolders(@TempDir Path tmp) throws IOException {
        Path root = aclTree(tmp);
        deleteTree(root.resolve("train/pos"));
        assertThatThrownBy(() -> Imdb.locate(tmp.toString(), Imdb.Split.TRAIN, CONF))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(root.resolve("train/pos").toString()).hasMessageContaining("no such folder");
        assertThat(Imdb.locate(tmp.toString(), Imdb.Split.TEST, CONF).files()).hasSize(2);

        Files.delete(root.resolve("train/unsup/0_0.txt"));
        Files.delete(root.resolve("train/unsup/1_0.txt"));
        assertThatThrownBy(() -> Imdb.locate(tmp.toString(), Imdb.Split.UNSUPERVISED, CONF))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(root.resolve("train/unsup").toString()).hasMessageContaining("no reviews");

        assertThatThrownBy(() -> Imdb.locate(tmp.resolve("nowhere").toString(), Imdb.Split.TEST, CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("nowhere: no such folder");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> Imdb.locate(empty.toString(), Imdb.Split.TEST, CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("empty: no IMDb dataset");
        Files.write(empty.resolve("aclImdb_v1.tar.gz"), new byte[] {0x1f, (byte) 0x8b});
        assertThatThrownBy(() -> Imdb.locate(empty.toString(), Imdb.Split.TEST, CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("extract it");
    }

    @Test
    void aclImdbFileThatIsNotUtf8IsNamed(@TempDir Path tmp) throws IOException {
        Path root = aclTree(tmp);
        Path bad = root.resolve("test/pos/7_8.txt");
        Files.write(bad, "Caf\u00e9 society: a fine film".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TEST, 2).collect())
                .satisfies(e -> assertThat(datasetException(e))
                        .hasMessageContaining(bad + ": not UTF-8 text (invalid byte 0xe9 at offset 3); IMDb reviews are UTF-8"));
        // the same check when reading a single file directly (a truncated multi-byte sequence at the end)
        Files.write(bad, new byte[] {'o', 'k', (byte) 0xe6, (byte) 0x97});
        assertThatThrownBy(() -> AclImdb.read(bad.toString(), CONF)).isInstanceOf(DatasetException.class)
                .hasMessageContaining("at offset 2");
    }

    private static Throwable datasetException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DatasetException) {
                return t;
            }
        }
        throw new AssertionError("no DatasetException in the causes of " + e, e);
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(q);
            }
        }
    }

    // ---- Hugging Face layout ----

    static final StructType TEXT_LABEL = new StructType().add("text", DataTypes.StringType)
            .add("label", DataTypes.LongType);

    /** Writes rows as one Parquet file at {@code file} (Spark writes a folder; its one part file is moved). */
    private static void parquet(Path file, StructType schema, List<Row> rows) throws IOException {
        Path out = file.resolveSibling(file.getFileName() + ".spark");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.toString());
        Files.createDirectories(file.getParent());
        try (Stream<Path> s = Files.list(out)) {
            Files.move(s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow(), file);
        }
        deleteTree(out);
    }

    private static List<Row> rows(String prefix, int n, long label) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(RowFactory.create(prefix + " review " + i + (i % 2 == 0 ? " <br /><br />" + POS : NEG), label));
        }
        return out;
    }

    @Test
    void huggingFaceParquetFiles(@TempDir Path tmp) throws IOException {
        Path pt = tmp.resolve("plain_text");
        List<Row> train0 = new ArrayList<>(rows("neg", 30, 0));
        train0.addAll(rows("pos", 5, 1));
        parquet(pt.resolve("train-00000-of-00002.parquet"), TEXT_LABEL, train0);
        parquet(pt.resolve("train-00001-of-00002.parquet"), TEXT_LABEL, rows("pos", 200, 1));
        parquet(pt.resolve("test-00000-of-00001.parquet"), TEXT_LABEL, rows("test", 8, 1));
        parquet(pt.resolve("unsupervised-00000-of-00001.parquet"), TEXT_LABEL, rows("unsup", 6, -1));

        List<TextExample> train = Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 4).collect();
        assertThat(train).hasSize(235);
        // file order, then row order, whatever the file sizes
        assertThat(train.get(0).text()).startsWith("neg review 0 <br /><br />Un chef-d'œuvre!");
        assertThat(train.get(34).text()).startsWith("pos review 4");
        assertThat(train.get(35).text()).startsWith("pos review 0");
        assertThat(train.get(234).text()).startsWith("pos review 199");
        assertThat(train.subList(0, 30)).extracting(TextExample::label).containsOnly(0);
        assertThat(train.subList(30, 235)).extracting(TextExample::label).containsOnly(1);
        assertThat(train.get(0).source()).endsWith("train-00000-of-00002.parquet");
        assertThat(train.get(0).rating()).isEqualTo(TextExample.NO_RATING);

        // more partitions than Spark's file splits: the same rows in the same order, spread evenly
        var spread = Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 5);
        assertThat(spread.getNumPartitions()).isEqualTo(5);
        assertThat(spread.collect()).extracting(TextExample::text).containsExactlyElementsOf(
                train.stream().map(TextExample::text).toList());
        assertThat(spread.glom().collect()).extracting(List::size).containsExactly(47, 47, 47, 47, 47);

        List<TextExample> unsup = Imdb.rdd(sc, pt.toString(), Imdb.Split.UNSUPERVISED, 1).collect();
        assertThat(unsup).hasSize(6).extracting(TextExample::label).containsOnly(-1);
        Imdb.Source test = Imdb.locate(tmp.toString(), Imdb.Split.TEST, CONF);
        assertThat(test.layout()).isEqualTo(Imdb.Layout.TABLES);
        assertThat(test.format()).isEqualTo(TextTable.Format.PARQUET);
        assertThat(test.folder()).endsWith("plain_text");

        // the split named by its folder (datasets' data/<split>/ or Spark's part files)
        parquet(tmp.resolve("other/data/test/part-00000.parquet"), TEXT_LABEL, rows("t", 2, 0));
        assertThat(Imdb.rdd(sc, tmp.resolve("other").toString(), Imdb.Split.TEST, 1).collect()).hasSize(2);
        // and one split in two places is an error, not a silent union
        assertThatThrownBy(() -> Imdb.locate(tmp.toString(), Imdb.Split.TEST, CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("files of the test split in 2 folders");
    }

    @Test
    void parquetWithoutTheColumnsIsNamedWithTheColumnsItHas(@TempDir Path tmp) throws IOException {
        StructType other = new StructType().add("review", DataTypes.StringType).add("sentiment", DataTypes.LongType);
        parquet(tmp.resolve("train.parquet"), other, List.of(RowFactory.create("good", 1L)));
        StructType textOnly = new StructType().add("text", DataTypes.StringType);
        parquet(tmp.resolve("test.parquet"), textOnly, List.of(RowFactory.create("good")));
        parquet(tmp.resolve("unsupervised.parquet"), textOnly, List.of(RowFactory.create("unlabelled is fine")));

        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 1))
                .isInstanceOf(DatasetException.class)
                .hasMessage("file:" + tmp.resolve("train.parquet") + ": no 'text' and 'label' columns (its columns: review, sentiment); the IMDb train split "
                        + "needs a text column and an integer label column");
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TEST, 1))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("test.parquet: no 'label' column (its columns: text)");
        assertThat(Imdb.rdd(sc, tmp.toString(), Imdb.Split.UNSUPERVISED, 1).collect())
                .extracting(TextExample::label).containsExactly(TextExample.NO_LABEL);
    }

    @Test
    void emptyOrMissingSplitsAndBadFiles(@TempDir Path tmp) throws IOException {
        parquet(tmp.resolve("train-00000-of-00001.parquet"), TEXT_LABEL, rows("x", 3, 7));
        parquet(tmp.resolve("test-00000-of-00001.parquet"), TEXT_LABEL, List.of());

        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TEST, 1))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(tmp + ": the IMDb test split is empty (no rows in test-00000-of-00001.parquet)");
        assertThatThrownBy(() -> Imdb.locate(tmp.toString(), Imdb.Split.UNSUPERVISED, CONF))
                .isInstanceOf(DatasetException.class)
                .hasMessage(tmp + ": no file for the unsupervised split (found test-00000-of-00001.parquet, "
                        + "train-00000-of-00001.parquet); its files must have 'unsupervised' in their names or be in a folder of "
                        + "that name");
        // labels are checked row by row on the executors
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 1).collect())
                .satisfies(e -> assertThat(datasetException(e)).hasMessageContaining("train-00000-of-00001.parquet: "
                        + "label 7 is not one of [0, 1] (IMDb: neg 0, pos 1); text starts \"x review 0"));

        Files.writeString(tmp.resolve("unsupervised.parquet"), "not parquet at all");
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.UNSUPERVISED, 1))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("unsupervised.parquet: not readable as PARQUET");

        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Files.writeString(cache.resolve("imdb-train.arrow"), "");
        assertThatThrownBy(() -> Imdb.locate(cache.toString(), Imdb.Split.TRAIN, CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("Arrow files");
    }

    @Test
    void csvAndJsonThroughSparkSqlsReaders(@TempDir Path tmp) throws IOException {
        // as pandas' to_csv(index=False) writes it: RFC 4180 quotes, "" inside, newlines inside quoted fields
        Files.writeString(tmp.resolve("train.csv"), "text,label\n"
                + "\"Two lines,\nand \"\"quotes\"\" — fine\",1\n"
                + "plain,0\n"
                + "\"back\\slash, comma\",1\n");
        // JSON Lines, as datasets' Dataset.to_json writes it
        Files.writeString(tmp.resolve("test.jsonl"), "{\"text\":\"caf\\u00e9 \\\"ok\\\"\",\"label\":1}\n"
                + "{\"text\":\"" + "日本語 😀" + "\",\"label\":0}\n");
        // one JSON array, as pandas' to_json(orient="records") writes it
        Files.writeString(tmp.resolve("unsupervised.json"), "[{\"text\":\"a\",\"label\":-1},\n {\"text\":\"b\",\"label\":-1}]");

        assertThat(Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 1).collect())
                .extracting(TextExample::text, TextExample::label).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Two lines,\nand \"quotes\" — fine", 1),
                        org.assertj.core.groups.Tuple.tuple("plain", 0),
                        org.assertj.core.groups.Tuple.tuple("back\\slash, comma", 1));
        assertThat(Imdb.rdd(sc, tmp.toString(), Imdb.Split.TEST, 1).collect())
                .extracting(TextExample::text).containsExactly("café \"ok\"", "日本語 😀");
        assertThat(Imdb.rdd(sc, tmp.toString(), Imdb.Split.UNSUPERVISED, 1).collect())
                .extracting(TextExample::text).containsExactly("a", "b");

        Files.writeString(tmp.resolve("train.csv"), "review,label\nx,1\n");
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 1))
                .isInstanceOf(DatasetException.class).hasMessageContaining("train.csv: no 'text' column (its columns: review, label)");
        Files.writeString(tmp.resolve("train.csv"), "text,label\nx,pos\n");
        assertThatThrownBy(() -> Imdb.rdd(sc, tmp.toString(), Imdb.Split.TRAIN, 1).collect())
                .satisfies(e -> assertThat(datasetException(e)).hasMessageContaining("train.csv: label 'pos' is not an integer"));
    }
}
