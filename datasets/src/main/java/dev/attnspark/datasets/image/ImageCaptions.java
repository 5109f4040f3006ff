package dev.attnspark.datasets.image;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import dev.attnspark.datasets.io.SerializableConfiguration;
import dev.attnspark.datasets.text.TextTable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;

/**
 * Image-caption datasets in their published layouts, read by Spark SQL: JSON Lines or CSV manifests whose image
 * column holds a path (relative to the manifest's folder, or absolute, on any Hadoop file system), and Parquet files
 * whose image column is Hugging Face's {@code Image} feature (a struct of {@code bytes} and {@code path}) or plain
 * binary. Column names are configurable, so winoground's {@code image_0} / {@code caption_0} work by naming them.
 * Images are decoded on the executors through ImageIO, with TwelveMonkeys' JPEG (CMYK, YCCK, progressive) and WebP
 * readers beside the JDK's PNG, GIF and BMP ones.
 */
public final class ImageCaptions {
    /** What a row whose image cannot be read does: {@code skip} (counted and reported) or {@code fail}. */
    public enum BadImagePolicy {
        SKIP, FAIL;

        public static BadImagePolicy of(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad_image_policy must be skip or fail, not '" + name + "'");
            }
        }
    }

    /**
     * One row as read, the image still encoded (or only named, for manifests). Plain classes, not records, here:
     * rows cross Spark shuffles (Kryo 4).
     */
    public static final class Raw implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String file;
        private final long row;
        private final String path;
        private final byte[] bytes;
        private final String text;

        /**
         * @param file  the file the row is in
         * @param row   its 0-based position there
         * @param path  the image's file (manifests, or a Parquet struct without bytes), or null
         * @param bytes the encoded image (Parquet), or null
         */
        public Raw(String file, long row, String path, byte[] bytes, String text) {
            this.file = file;
            this.row = row;
            this.path = path;
            this.bytes = bytes;
            this.text = text;
        }

        public String file() {
            return file;
        }

        public long row() {
            return row;
        }

        public String path() {
            return path;
        }

        public byte[] bytes() {
            return bytes;
        }

        public String text() {
            return text;
        }

        String where() {
            return file + ": row " + row + (path != null ? " (image " + path + ")" : "");
        }
    }

    /** A decoded example. */
    public static final class Example implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String file;
        private final long row;
        private final RgbImage image;
        private final String text;

        public Example(String file, long row, RgbImage image, String text) {
            this.file = file;
            this.row = row;
            this.image = image;
            this.text = text;
        }

        public String file() {
            return file;
        }

        public long row() {
            return row;
        }

        public RgbImage image() {
            return image;
        }

        public String text() {
            return text;
        }
    }

    private ImageCaptions() {}

    /** The rows of {@code files} (one format), image column {@code imageColumn}, text column {@code textColumn}. */
    public static JavaRDD<Raw> read(JavaSparkContext sc, List<String> files, TextTable.Format format,
                                    String imageColumn, String textColumn) {
        SparkSession spark = SparkSession.builder().getOrCreate();
        JavaRDD<Raw> out = null;
        for (String file : files) {
            Dataset<Row> df = TextTable.load(spark, file, format, sc.hadoopConfiguration());
            DataType image = type(df, imageColumn), text = type(df, textColumn);
            if (image == null || text == null) {
                throw new DatasetException(file + ": no " + (image == null ? "image column '" + imageColumn + "'"
                        : "text column '" + textColumn + "'") + " (its columns: " + String.join(", ", df.columns())
                        + "); name them with data.image_column and data.text_column");
            }
            if (!(text instanceof StringType)) {
                throw new DatasetException(file + ": text column '" + textColumn + "' is " + text.simpleString()
                        + ", not a string");
            }
            ImageKind kind = ImageKind.of(image, file, imageColumn);
            String dir = new Path(file).getParent().toString();
            JavaRDD<Raw> rows = df.select(col(imageColumn), col(textColumn)).toJavaRDD().zipWithIndex()
                    .map(t -> kind.raw(t._1(), file, dir, t._2()));
            out = out == null ? rows : out.union(rows);
        }
        if (out == null) {
            throw new DatasetException("no image-caption files given");
        }
        return out;
    }

    /**
     * The rows' images decoded; a row whose image is missing or not decodable fails the job with one error naming
     * the file, the row and the image, or with {@code skip} is left out and counted in {@code skipped}.
     */
    public static JavaRDD<Example> decode(JavaSparkContext sc, JavaRDD<Raw> rows, BadImagePolicy policy,
                                          LongAccumulator skipped) {
        Broadcast<SerializableConfiguration> conf = sc.broadcast(new SerializableConfiguration(sc.hadoopConfiguration()));
        return rows.flatMap(r -> {
            try {
                return List.of(new Example(r.file(), r.row(), decode(r, conf.value()), r.text())).iterator();
            } catch (DatasetException e) {
                if (policy == BadImagePolicy.FAIL) {
                    throw e;
                }
                skipped.add(1);
                return java.util.Collections.emptyIterator();
            }
        });
    }

    /** One row's image as RGB; a {@link DatasetException} naming the row when it cannot be read. */
    static RgbImage decode(Raw r, SerializableConfiguration conf) {
        byte[] bytes = r.bytes();
        if (bytes == null) {
            if (r.path() == null) {
                throw new DatasetException(r.where() + ": the image is empty (no bytes and no path)");
            }
            Path p = new Path(r.path());
            try (InputStream in = HadoopFiles.fileSystem(p, conf.get()).open(p)) {
                bytes = in.readAllBytes();
            } catch (java.io.FileNotFoundException e) {
                throw new DatasetException(r.where() + ": the image file does not exist", e);
            } catch (IOException e) {
                throw new DatasetException(r.where() + ": the image file cannot be read (" + e.getMessage() + ")", e);
            }
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new DatasetException(r.where() + ": not a decodable image (" + e.getMessage() + ")", e);
        }
        if (image == null) {
            throw new DatasetException(r.where() + ": not a decodable image (no reader knows its " + bytes.length
                    + " bytes, starting " + hex(bytes) + ")");
        }
        return RgbImage.of(image);
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            sb.append(String.format("%02x", b[i]));
        }
        return sb.toString();
    }

    private static DataType type(Dataset<Row> df, String column) {
        for (StructField f : df.schema().fields()) {
            if (f.name().equals(column)) {
                return f.dataType();
            }
        }
        return null;
    }

    /** How a file stores its images. */
    private enum ImageKind {
        /** A path, relative to the file's folder unless absolute or a URI. */
        PATH,
        /** Encoded bytes. */
        BINARY,
        /** Hugging Face's {@code Image} feature: {@code {bytes, path}}, bytes first. */
        HF_IMAGE;

        static ImageKind of(DataType t, String file, String column) {
            if (t instanceof StringType) {
                return PATH;
            }
            if (t instanceof BinaryType) {
                return BINARY;
            }
            if (t instanceof StructType s && Arrays.asList(s.fieldNames()).contains("bytes")) {
                return HF_IMAGE;
            }
            throw new DatasetException(file + ": image column '" + column + "' is " + t.simpleString() + "; expected a "
                    + "path (string), encoded bytes (binary) or Hugging Face's Image struct {bytes, path}");
        }

        Raw raw(Row r, String file, String dir, long row) {
            String text = r.isNullAt(1) ? null : r.getString(1);
            if (text == null) {
                throw new DatasetException(file + ": row " + row + " has no text (null)");
            }
            return switch (this) {
                case PATH -> new Raw(file, row, r.isNullAt(0) ? null : resolve(dir, r.getString(0)), null, text);
                case BINARY -> new Raw(file, row, null, r.isNullAt(0) ? null : (byte[]) r.get(0), text);
                case HF_IMAGE -> {
                    Row image = r.isNullAt(0) ? null : r.getStruct(0);
                    byte[] bytes = image == null || image.isNullAt(image.fieldIndex("bytes")) ? null
                            : (byte[]) image.get(image.fieldIndex("bytes"));
                    String path = image == null || !Arrays.asList(image.schema().fieldNames()).contains("path")
                            || image.isNullAt(image.fieldIndex("path")) ? null : image.getString(image.fieldIndex("path"));
                    yield new Raw(file, row, bytes == null && path != null ? resolve(dir, path) : path, bytes, text);
                }
            };
        }

        private static String resolve(String dir, String path) {
            Path p = new Path(path);
            return p.isAbsolute() || p.toUri().getScheme() != null ? path : new Path(dir, path).toString();
        }
    }

    /** The file names of a folder that hold image-caption rows, in name order; an error if none. */
    public static List<String> files(JavaSparkContext sc, String dirOrFile) {
        Path p = new Path(dirOrFile);
        try {
            var fs = HadoopFiles.fileSystem(p, sc.hadoopConfiguration());
            if (fs.getFileStatus(p).isFile()) {
                return List.of(p.toString());
            }
            List<String> out = new ArrayList<>();
            for (var s : fs.listStatus(p)) {
                if (s.isFile() && TextTable.Format.of(s.getPath().getName()) != null) {
                    out.add(s.getPath().toString());
                }
            }
            if (out.isEmpty()) {
                throw new DatasetException(dirOrFile + ": no image-caption files (.jsonl, .json, .csv or .parquet)");
            }
            out.sort(null);
            return out;
        } catch (java.io.FileNotFoundException e) {
            throw new DatasetException(dirOrFile + ": does not exist", e);
        } catch (IOException e) {
            throw new DatasetException(dirOrFile + ": cannot be listed (" + e.getMessage() + ")", e);
        }
    }
}
