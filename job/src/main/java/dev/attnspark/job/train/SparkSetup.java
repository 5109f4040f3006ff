package dev.attnspark.job.train;

import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import dev.attnspark.job.config.ConfigException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.regex.Pattern;

/** The Spark context of a run: the configured master and properties, Kryo with ND4J's registrator. */
public final class SparkSetup {
    private SparkSetup() {}

    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|\\d+)(,\\d+)?])?|local-cluster\\[\\d+, *\\d+, *\\d+]");
    private static final Pattern STANDALONE = Pattern.compile("spark://([^:/,]+):(\\d+)(,[^:/,]+:\\d+)*");

    /**
     * Fails with one line if {@code spark.master} is not a master URL, or names a standalone master that does not
     * answer: Spark itself would print a long trace, or retry for a minute first.
     */
    public static void checkMaster(SparkConfig c) {
        String master = c.master != null && !c.master.isBlank() ? c.master : System.getProperty("spark.master");
        if (master == null || LOCAL.matcher(master).matches() || master.equals("yarn")
                || master.startsWith("k8s://") || master.startsWith("mesos://")) {
            return;
        }
        if (!STANDALONE.matcher(master).matches()) {
            throw new ConfigException("spark.master '" + master + "' is not a Spark master URL: use local[N], "
                    + "local[*], spark://HOST:PORT, yarn or k8s://https://HOST:PORT");
        }
        String reason = null;
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
            int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 5_000);
                return;
            } catch (IOException e) {
                reason = e instanceof java.net.UnknownHostException ? "unknown host " + host
                        : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            }
        }
        throw new ConfigException("cannot reach the Spark master at " + master + " (" + reason + "): is it running, "
                + "and is spark.master right?");
    }

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
        try {
            return new JavaSparkContext(conf);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new ConfigException("cannot start Spark (spark.master " + conf.get("spark.master") + "): "
                    + (root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName()), e);
        }
    }

    /** A Spark property for the log, with secrets masked. */
    public static String describe(String key, String value) {
        return key + "=" + (ConfigLoader.isSecret(key) ? "***" : value);
    }
}
