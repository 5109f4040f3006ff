package dev.attnspark.datasets.image;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.text.TextTable;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Image-caption sets in their real layouts (JSON Lines and CSV manifests with image paths, Parquet with Hugging Face's
 * Image struct or plain bytes; winoground's column names), and bad images under both policies.
 */
class ImageCaptionsTest {
    static JavaSparkContext sc;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("image-captions-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    static byte[] encoded(Color color, String format, int type) throws IOException {
        BufferedImage image = new BufferedImage(40, 30, type);
        var g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    private static List<ImageCaptions.Example> decoded(Path file, TextTable.Format format, String image, String text,
                                                       ImageCaptions.BadImagePolicy policy, LongAccumulator skipped) {
        return ImageCaptions.decode(sc, ImageCaptions.read(sc, List.of(file.toString()), format, image, text), policy,
                skipped).collect().stream().sorted(Comparator.comparingLong(ImageCaptions.Example::row)).toList();
    }

    @Test
    void jsonLinesAndCsvManifestsNameImagesRelativeToThemselves() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("manifest/images"));
        Files.write(dir.resolve("red.png"), encoded(Color.RED, "png", BufferedImage.TYPE_INT_RGB));
        Files.write(dir.resolve("blue.jpg"), encoded(Color.BLUE, "jpg", BufferedImage.TYPE_INT_RGB));
        Path jsonl = Files.writeString(tmp.resolve("manifest/train.jsonl"),
                "{\"image_0\": \"images/red.png\", \"caption_0\": \"a red square\"}\n"
                        + "{\"image_0\": \"images/blue.jpg\", \"caption_0\": \"a blue square\"}\n");
        Path csv = Files.writeString(tmp.resolve("manifest/valid.csv"),
                "file_name,text\nimages/blue.jpg,\"blue, as the sea\"\n");
        List<ImageCaptions.Example> rows = decoded(jsonl, TextTable.Format.JSON, "image_0", "caption_0",
                ImageCaptions.BadImagePolicy.FAIL, sc.sc().longAccumulator());
        assertThat(rows).extracting(ImageCaptions.Example::text).containsExactly("a red square", "a blue square");
        assertThat(rows.get(0).image().at(5, 5, 0)).isEqualTo(255);
        assertThat(rows.get(1).image().at(5, 5, 2)).isGreaterThan(240); // JPEG: close to pure blue
        assertThat(rows.get(1).image().width()).isEqualTo(40);
        List<ImageCaptions.Example> valid = decoded(csv, TextTable.Format.CSV, "file_name", "text",
                ImageCaptions.BadImagePolicy.FAIL, sc.sc().longAccumulator());
        assertThat(valid).extracting(ImageCaptions.Example::text).containsExactly("blue, as the sea");
    }

    @Test
    void parquetHoldsHuggingFaceImageStructsOrPlainBytes() throws Exception {
        SparkSession spark = SparkSession.builder().getOrCreate();
        StructType imageType = new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType);
        StructType schema = new StructType().add("image", imageType).add("caption", DataTypes.StringType);
        byte[] red = encoded(Color.RED, "png", BufferedImage.TYPE_INT_RGB);
        Path hf = tmp.resolve("hf.parquet");
        spark.createDataFrame(List.of(RowFactory.create(RowFactory.create(red, "red.png"), "red")), schema)
                .coalesce(1).write().parquet(hf.toString());
        Path part = single(hf);
        assertThat(decoded(part, TextTable.Format.PARQUET, "image", "caption", ImageCaptions.BadImagePolicy.FAIL,
                sc.sc().longAccumulator())).singleElement().satisfies(e -> {
                    assertThat(e.text()).isEqualTo("red");
                    assertThat(e.image().at(0, 0, 0)).isEqualTo(255);
                });
        StructType binary = new StructType().add("png", DataTypes.BinaryType).add("txt", DataTypes.StringType);
        Path plain = tmp.resolve("plain.parquet");
        spark.createDataFrame(List.of(RowFactory.create(red, "red again")), binary).coalesce(1).write()
                .parquet(plain.toString());
        assertThat(decoded(single(plain), TextTable.Format.PARQUET, "png", "txt", ImageCaptions.BadImagePolicy.FAIL,
                sc.sc().longAccumulator())).extracting(ImageCaptions.Example::text).containsExactly("red again");
    }

    @Test
    void badImagesFailNamingTheRowOrAreSkippedAndCounted() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        byte[] png = encoded(Color.GREEN, "png", BufferedImage.TYPE_INT_RGB);
        Files.write(dir.resolve("good.png"), png);
        Files.write(dir.resolve("text.png"), "not an image at all".getBytes());
        Files.write(dir.resolve("truncated.png"), Arrays.copyOf(png, png.length / 3));
        Path jsonl = Files.writeString(dir.resolve("rows.jsonl"), String.join("\n",
                "{\"image\": \"good.png\", \"text\": \"good\"}",
                "{\"image\": \"text.png\", \"text\": \"text\"}",
                "{\"image\": \"truncated.png\", \"text\": \"truncated\"}",
                "{\"image\": \"missing.png\", \"text\": \"missing\"}") + "\n");
        LongAccumulator skipped = sc.sc().longAccumulator();
        assertThat(decoded(jsonl, TextTable.Format.JSON, "image", "text", ImageCaptions.BadImagePolicy.SKIP, skipped))
                .extracting(ImageCaptions.Example::text).containsExactly("good");
        assertThat(skipped.value()).isEqualTo(3);

        assertThatThrownBy(() -> decoded(jsonl, TextTable.Format.JSON, "image", "text",
                ImageCaptions.BadImagePolicy.FAIL, sc.sc().longAccumulator()))
                .isInstanceOf(SparkException.class).satisfies(e -> assertThat(datasetError(e))
                        .hasMessageContaining("rows.jsonl: row ").hasMessageContaining(".png)"));
        for (String name : List.of("text.png", "missing.png")) {
            Path one = Files.writeString(dir.resolve(name + ".jsonl"),
                    "{\"image\": \"" + name + "\", \"text\": \"x\"}\n");
            assertThatThrownBy(() -> decoded(one, TextTable.Format.JSON, "image", "text",
                    ImageCaptions.BadImagePolicy.FAIL, sc.sc().longAccumulator())).satisfies(e ->
                    assertThat(datasetError(e)).hasMessageContaining(name + ".jsonl: row 0 (image ")
                            .hasMessageContaining(name.equals("missing.png") ? "the image file does not exist"
                                    : "not a decodable image"));
        }
    }

    @Test
    void aMissingColumnNamesTheColumnsThereAre() throws Exception {
        Path jsonl = Files.writeString(tmp.resolve("columns.jsonl"), "{\"img\": \"a.png\", \"text\": \"x\"}\n");
        assertThatThrownBy(() -> ImageCaptions.read(sc, List.of(jsonl.toString()), TextTable.Format.JSON, "image_0",
                "text")).isInstanceOf(DatasetException.class)
                .hasMessageContaining("columns.jsonl: no image column 'image_0' (its columns: img, text); name them "
                        + "with data.image_column and data.text_column");
        assertThatThrownBy(() -> ImageCaptions.BadImagePolicy.of("ignore"))
                .hasMessage("bad_image_policy must be skip or fail, not 'ignore'");
    }

    /**
     * From a manifest to Fuyu's sequences with a tokenizer.json (make-shapes' own): the image block, BOS, the caption's word ids,
     * BOA; a caption too long for block_size is cut and counted.
     */
    @Test
    void manifestRowsBecomeFuyuSequences() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fuyu"));
        Files.write(dir.resolve("red.png"), encoded(Color.RED, "png", BufferedImage.TYPE_INT_RGB)); // 40 x 30
        Path jsonl = Files.writeString(dir.resolve("train.jsonl"),
                "{\"image\": \"red.png\", \"text\": \"A red square\"}\n"
                        + "{\"image\": \"red.png\", \"text\": \"a red square a blue circle a green triangle\"}\n");
        SyntheticShapes.writeTokenizer(dir.resolve("tokenizer.json"));
        var tokenizer = dev.attnspark.datasets.text.Tokenizers.load(dir.resolve("tokenizer.json").toString(),
                sc.hadoopConfiguration());
        FuyuExamples examples = new FuyuExamples(FuyuImageProcessor.of(60, 60), tokenizer, 12);
        LongAccumulator truncated = sc.sc().longAccumulator();
        var images = ImageCaptions.decode(sc, ImageCaptions.read(sc, List.of(jsonl.toString()), TextTable.Format.JSON,
                "image", "text"), ImageCaptions.BadImagePolicy.FAIL, sc.sc().longAccumulator());
        List<FuyuSequence> seqs = examples.sequences(images, truncated).collect();
        // 40 x 30 is 2 x 1 patches of 30: "|SPEAKER| |SPEAKER| |NEWLINE|", then <s> a red square <0x04>
        assertThat(seqs.get(0).ids()).containsExactly(5, 5, 6, 1, 7, 8, 13, 4);
        assertThat(seqs.get(0).labels()).containsExactly(-100, -100, -100, 1, 7, 8, 13, 4);
        assertThat(seqs.get(1).ids()).hasSize(12).endsWith(7, 10, 12, 7, 9);
        assertThat(truncated.value()).isEqualTo(1);
        assertThatThrownBy(() -> new FuyuExamples(FuyuImageProcessor.of(60, 60), tokenizer, 3).of(
                new RgbImage(40, 30, new byte[3600]), "a")).hasMessageContaining("the image takes 3 tokens (1 rows of 2 "
                + "patches and a newline), too many for data.block_size 3");
    }

    /** The job's error as the executor raised it. */
    private static Throwable datasetError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DatasetException) {
                return t;
            }
        }
        throw new AssertionError("no DatasetException in " + e);
    }

    private static Path single(Path sparkOutput) throws IOException {
        try (var files = Files.list(sparkOutput)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
    }
}
