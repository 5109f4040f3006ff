package dev.attnspark.datasets.text;

import dev.attnspark.datasets.DatasetException;
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

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The corpus readers on the real layouts (WikiText raw and Parquet, C4 json.gz, plain text) and on broken files:
 * each error names the file and, for text, the line.
 */
class CorpusTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("corpus-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static List<String> read(Path dir, String dataset, String split) {
        return Corpus.texts(sc, Corpus.locate(dir.toString(), dataset, split, sc.hadoopConfiguration()), 2).collect();
    }

    /** Rows as Hugging Face's wikitext builder yields them: lines with their newline, blank lines as "". */
    @Test
    void wikiTextRawRowsAreHuggingFacesRows(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("wiki.valid.raw"), " \n = Title = \n \n Some text , here .\n\n");
        assertThat(read(dir, "wikitext", "valid")).containsExactly("", " = Title = \n", "", " Some text , here .\n",
                "");
    }

    @Test
    void wikiTextInHuggingFacesParquetForm(@TempDir Path dir) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("wikitext-103-raw-v1"));
        SparkSession spark = SparkSession.builder().getOrCreate();
        StructType schema = new StructType().add("text", DataTypes.StringType);
        for (int shard = 0; shard < 2; shard++) {
            List<Row> rows = List.of(RowFactory.create("shard " + shard + " a\n"), RowFactory.create(""),
                    RowFactory.create("shard " + shard + " b\n"));
            spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.resolve("tmp" + shard).toString());
            Path part = Files.list(dir.resolve("tmp" + shard)).filter(p -> p.toString().endsWith(".parquet"))
                    .findFirst().orElseThrow();
            Files.move(part, folder.resolve("train-0000" + shard + "-of-00002.parquet"));
        }
        assertThat(read(dir, "wikitext", "train")).containsExactly("shard 0 a\n", "", "shard 0 b\n", "shard 1 a\n", "",
                "shard 1 b\n");
    }

    @Test
    void c4JsonLinesGzipped(@TempDir Path dir) throws Exception {
        Path en = Files.createDirectories(dir.resolve("en"));
        gzip(en.resolve("c4-validation.00000-of-00008.json.gz"),
                "{\"text\":\"first document\",\"timestamp\":\"2019-04-25T12:57:54Z\",\"url\":\"https://a\"}\n"
                        + "{\"text\":\"second\\ndocument\",\"timestamp\":\"2019-04-25T12:57:54Z\",\"url\":\"https://b\"}\n");
        gzip(en.resolve("c4-validation.00001-of-00008.json.gz"),
                "{\"text\":\"third\",\"timestamp\":\"2019-04-25T12:57:54Z\",\"url\":\"https://c\"}\n");
        assertThat(read(dir, "c4", "valid")).containsExactly("first document", "second\ndocument", "third");
    }

    @Test
    void plainTextFilesInAFolder(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("train"));
        Files.writeString(dir.resolve("train/a.txt"), "one\n\ntwo");
        Files.writeString(dir.resolve("train/b.txt"), "three\n");
        Files.writeString(dir.resolve("train/empty.txt"), "");
        assertThat(read(dir, "text", "train")).containsExactly("one\n", "\n", "two\n", "three\n");
    }

    @Test
    void invalidUtf8NamesTheFileAndLine(@TempDir Path dir) throws Exception {
        byte[] bad = "good line\nbad \u00e9 line\n".getBytes(StandardCharsets.UTF_8);
        byte[] broken = Arrays.copyOf(bad, bad.length);
        broken[14] = (byte) 0xff;
        Files.write(dir.resolve("wiki.train.raw"), broken);
        assertThat(datasetError(() -> read(dir, "wikitext", "train")))
                .hasMessageContaining("wiki.train.raw: line 2 is not valid UTF-8");
    }

    @Test
    void truncatedGzipNamesTheFile(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full.gz");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.append("line ").append(i).append(" of some text that does not compress to nothing ").append(i * 7919)
                    .append('\n');
        }
        gzip(full, sb.toString());
        byte[] bytes = Files.readAllBytes(full);
        Files.write(dir.resolve("train.txt"), Arrays.copyOf(bytes, bytes.length / 2));
        assertThat(datasetError(() -> read(dir, "text", "train")))
                .hasMessageContaining("train.txt: the gzip stream ends early");
    }

    @Test
    void badJsonLineNamesTheFile(@TempDir Path dir) throws Exception {
        gzip(dir.resolve("c4-train.00000-of-01024.json.gz"), "{\"text\":\"fine\"}\n{\"text\": broken\n");
        assertThatThrownBy(() -> read(dir, "c4", "train")).hasMessageContaining("c4-train.00000-of-01024.json.gz");
    }

    @Test
    void missingSplitSaysWhatWasExpected(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("wiki.train.raw"), "x\n");
        assertThatThrownBy(() -> Corpus.locate(dir.toString(), "wikitext", "valid", sc.hadoopConfiguration()))
                .isInstanceOf(DatasetException.class).hasMessageContaining("no WikiText valid split")
                .hasMessageContaining("wiki.valid.raw");
        assertThatThrownBy(() -> Corpus.locate(dir.toString(), "c4", "train", sc.hadoopConfiguration()))
                .hasMessageContaining("c4-train.NNNNN-of-NNNNN.json.gz");
    }

    @Test
    void syntheticCorpusIsReadLikeWikiText(@TempDir Path dir) throws Exception {
        SyntheticWikiText.write(dir, 20, 3);
        List<String> rows = read(dir, "wikitext", "train");
        assertThat(rows).anyMatch(r -> r.startsWith(" = ") && r.endsWith(" = \n")).contains("");
        assertThat(String.join("", rows).replace("\n", "")).isEqualTo(Files.readString(dir.resolve("wiki.train.raw"))
                .lines().filter(l -> !l.isBlank()).reduce("", String::concat));
    }

    /** The dataset error a Spark job failed with (Spark wraps it). */
    private static DatasetException datasetError(Runnable r) {
        try {
            r.run();
        } catch (Exception e) { // Spark's SparkException is checked, though thrown undeclared
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DatasetException d) {
                    return d;
                }
            }
            throw new AssertionError("no DatasetException in the chain", e);
        }
        throw new AssertionError("no error");
    }

    private static void gzip(Path file, String text) throws Exception {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
