package dev.attnspark.job.config;

import org.apache.hadoop.conf.Configuration;

import java.util.Map;

/**
 * The Hadoop configuration of files read before Spark starts (a run's configuration and checkpoints on HDFS or S3):
 * the same {@code spark.hadoop.*} properties Spark would copy into its own, from spark-submit's {@code --conf}
 * (system properties in the driver) and from the configuration's {@code spark.conf}.
 */
public final class HadoopConf {
    private static final String PREFIX = "spark.hadoop.";

    private HadoopConf() {}

    public static Configuration of(Map<String, String> sparkConf) {
        Configuration conf = new Configuration();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(PREFIX))
                .forEach(k -> conf.set(k.substring(PREFIX.length()), System.getProperty(k)));
        sparkConf.forEach((k, v) -> {
            if (k.startsWith(PREFIX) && v != null) {
                conf.set(k.substring(PREFIX.length()), v);
            }
        });
        return conf;
    }

    /** From the {@code spark.conf} section of a configuration tree that is not bound yet. */
    public static Configuration of(com.fasterxml.jackson.databind.JsonNode tree) {
        Map<String, String> sparkConf = new java.util.LinkedHashMap<>();
        tree.path("spark").path("conf").fields().forEachRemaining(e -> sparkConf.put(e.getKey(), e.getValue().asText()));
        return of(sparkConf);
    }
}
