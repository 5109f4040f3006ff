package dev.attnspark.job.train;

import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Map;

/** The Spark context of a run: the configured master and properties, Kryo with ND4J's registrator. */
public final class SparkSetup {
    private SparkSetup() {}

    public static JavaSparkContext context(SparkConfig c) {
        SparkConf conf = new SparkConf().setAppName(c.appName);
        if (c.master != null && !c.master.isBlank()) {
            conf.setMaster(c.master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        // one training task per core: a worker is a task, and the data of a step must not wait for a slot elsewhere
        conf.setIfMissing("spark.locality.wait", "0s");
        for (Map.Entry<String, String> e : c.conf.entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return new JavaSparkContext(conf);
    }

    /** A Spark property for the log, with secrets masked. */
    public static String describe(String key, String value) {
        return key + "=" + (ConfigLoader.isSecret(key) ? "***" : value);
    }
}
