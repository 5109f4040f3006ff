package dev.attnspark.datasets.text;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Text with labels in Parquet, CSV or JSON files (Hugging Face's layout: columns {@code text} and {@code label}),
 * read by Spark SQL's own readers. Each file is read on its own and the files joined in name order, which keeps the
 * rows in file order (Spark would otherwise pack several files into partitions by size); asked for more partitions
 * than Spark's file splits give, the rows are spread over them in order. The driver checks each file's columns;
 * executors check each row.
 */
public final class TextTable {
    /** The file formats read, by Spark SQL's data source of the same name. */
    public enum Format {
        PARQUET, CSV, JSON;

        /** The format of a file name ({@code .parquet}, {@code .csv[.gz]}, {@code .json[l][.gz]}, {@code .ndjson}), or null. */
        public static Format of(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".gz")) {
                n = n.substring(0, n.length() - 3);
            }
            if (n.endsWith(".parquet")) {
                return PARQUET;
            }
            if (n.endsWith(".csv")) {
                return CSV;
            }
            if (n.endsWith(".json") || n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                return JSON;
            }
            return null;
        }
    }

    private TextTable() {}

    /**
     * The rows of {@code files} as examples.
     *
     * @param labels the labels allowed ({@code label} column required), or null: any label, and rows without a
     *               {@code label} column are unlabelled ({@link TextExample#NO_LABEL})
     * @param what   what the files hold, for messages ("the train split")
     */
    public static JavaRDD<TextExample> rdd(JavaSparkContext sc, List<String> files, Format format, int[] labels, String what,
                                    int numPartitions) {
        SparkSession spark = SparkSession.builder().getOrCreate(); // over the running SparkContext
        List<JavaRDD<TextExample>> parts = new ArrayList<>();
        List<Dataset<Row>> tables = new ArrayList<>();
        boolean anyRows = false;
        for (String file : files) {
            Dataset<Row> df = load(spark, file, format, sc.hadoopConfiguration());
            List<String> columns = List.of(df.columns());
            boolean hasLabel = columns.contains("label");
            if (!columns.contains("text") || (labels != null && !hasLabel)) {
                String missing = !columns.contains("text") && labels != null && !hasLabel ? "'text' and 'label' columns"
                        : !columns.contains("text") ? "'text' column" : "'label' column";
                throw new DatasetException(file + ": no " + missing + " (its columns: " + String.join(", ", columns)
                        + "); " + what + " needs a text column" + (labels != null ? " and an integer label column" : ""));
            }
            checkType(file, df, "text", false);
            if (hasLabel) {
                checkType(file, df, "label", format != Format.PARQUET); // CSV reads strings, JSON may hold "1"
            }
            Dataset<Row> rows = df.select(col("text"), hasLabel ? col("label").cast("string") : lit(null).cast("string"));
            anyRows |= !rows.isEmpty();
            tables.add(rows);
            parts.add(rows.toJavaRDD().map(r -> example(r, file, labels)));
        }
        if (!anyRows) {
            throw new DatasetException(new Path(files.get(0)).getParent() + ": " + what + " is empty (no rows in "
                    + String.join(", ", files.stream().map(f -> new Path(f).getName()).toList()) + ")");
        }
        JavaRDD<TextExample> out = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            out = out.union(parts.get(i));
        }
        if (numPartitions <= out.getNumPartitions()) {
            return out;
        }
        long n = tables.stream().mapToLong(Dataset::count).sum(); // from Parquet footers; a scan for CSV and JSON
        return out.zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .repartitionAndSortWithinPartitions(new ByIndex(numPartitions, n)).values();
    }

    /** Rows {@code [n p / parts, n (p + 1) / parts)} to partition {@code p}: more shards, the same order. */
    private static final class ByIndex extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int parts;
        private final long n;

        ByIndex(int parts, long n) {
            this.parts = parts;
            this.n = Math.max(1, n);
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            long i = (Long) key;
            return (int) Math.min(parts - 1, i * parts / n);
        }
    }

    /** One file through Spark SQL's reader of {@code format}, with the options every table reader here uses. */
    public static Dataset<Row> load(SparkSession spark, String file, Format format, Configuration conf) {
        DataFrameReader reader = spark.read();
        switch (format) {
            case PARQUET -> reader.format("parquet");
            // RFC 4180 quoting (pandas' and Python's csv module's): "" inside quotes, fields over several lines
            case CSV -> reader.format("csv").option("header", "true").option("multiLine", "true")
                    .option("quote", "\"").option("escape", "\"").option("mode", "FAILFAST");
            // JSON Lines (datasets' to_json), or one JSON array (pandas' to_json(orient="records"))
            case JSON -> reader.format("json").option("mode", "FAILFAST")
                    .option("multiLine", String.valueOf(startsWithBracket(file, conf)));
        }
        try {
            return reader.load(file);
        } catch (Exception e) { // Spark's SparkException is checked, though Scala throws it undeclared
            throw new DatasetException(file + ": not readable as " + format + " (" + reason(e) + ")", e);
        }
    }

    private static boolean startsWithBracket(String file, Configuration conf) {
        try (InputStream in = HadoopFiles.openMaybeGzipped(new Path(file), conf)) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xef || c == 0xbb || c == 0xbf);
            return c == '[';
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read the file (" + e.getMessage() + ")", e);
        }
    }

    private static void checkType(String file, Dataset<Row> df, String column, boolean stringsAllowed) {
        DataType t = null;
        for (StructField f : df.schema().fields()) {
            if (f.name().equals(column)) {
                t = f.dataType();
            }
        }
        boolean ok = column.equals("text") ? DataTypes.StringType.equals(t)
                : DataTypes.LongType.equals(t) || DataTypes.IntegerType.equals(t) || DataTypes.ShortType.equals(t)
                || DataTypes.ByteType.equals(t) || (stringsAllowed && DataTypes.StringType.equals(t));
        if (!ok) {
            throw new DatasetException(file + ": column '" + column + "' is " + (t == null ? "missing" : t.simpleString())
                    + ", not " + (column.equals("text") ? "a string" : "an integer"));
        }
    }

    private static TextExample example(Row row, String file, int[] labels) {
        String text = row.getString(0);
        if (text == null) {
            throw new DatasetException(file + ": a row has no text (null)");
        }
        String raw = row.getString(1);
        int label;
        if (raw == null) {
            if (labels != null) {
                throw new DatasetException(file + ": a row has no label (null); text starts " + snippet(text));
            }
            label = TextExample.NO_LABEL;
        } else {
            try {
                label = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new DatasetException(file + ": label '" + raw + "' is not an integer; text starts " + snippet(text));
            }
            if (labels != null && !contains(labels, label)) {
                throw new DatasetException(file + ": label " + label + " is not one of " + java.util.Arrays.toString(labels)
                        + " (IMDb: neg 0, pos 1); text starts " + snippet(text));
            }
        }
        return new TextExample(text, label, file, TextExample.NO_RATING);
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private static String snippet(String text) {
        return "\"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
    }

    /** The first line of the innermost cause's message: Spark's outer ones are about jobs and stages. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
