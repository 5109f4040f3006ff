package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code spark} section: the cluster and the training masters. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class SparkConfig {
    /** Spark master (null: as spark-submit set it, else {@code local[*]}). */
    public String master;
    /** Application name. */
    public String appName = "attnspark";
    /** Training workers (0: Spark's default parallelism, i.e. the executor cores). */
    public int numWorkers = 0;
    /** Parameter averaging: steps between averaging rounds. */
    public int averagingFrequency = 5;
    /** Batches each worker prefetches asynchronously. */
    public int prefetchBatches = 2;
    /**
     * Gradient sharing: initial threshold of the adaptive threshold encoding (values below it are not sent), as a
     * fraction of each trainer's peak learning rate (AdamW's steps are about that size).
     */
    public double thresholdRatio = 0.25;
    /** Gradient sharing: the adaptive threshold keeps the fraction of update values sent per step at least this... */
    public double minSparsity = 5e-2;
    /** Gradient sharing: ... and at most this (above 1/16 DL4J falls back to its 2-bit bitmap encoding). */
    public double maxSparsity = 1.0;
    /** Gradient sharing: the factor by which the threshold moves per step when outside those bounds (DL4J: 0.965). */
    public double thresholdDecay = 0.9;
    /** Gradient sharing: the fraction of the unsent update a trainer keeps for its next step (DL4J keeps all). */
    public double residualKeep = 0.0;
    /**
     * Gradient sharing: how a training round's batches reach the trainers. {@code per_worker}: one Spark task per
     * worker streams its share of the round through the executor's trainers (one DL4J round per call). {@code
     * per_batch}: DL4J's default, one task per batch; every task is a round of its own (trainer threads rebuilt,
     * residuals and threshold reset, updates from other hosts dropped between tasks). See docs/deployment.md.
     */
    public String repartition = "per_worker";
    /** Gradient sharing: UDP port of the Aeron transport, the same on the driver and on every executor. */
    public int port = 49876;
    /** Gradient sharing: address of the node that coordinates the mesh (null: the Spark driver's). */
    public String controllerAddress;
    /** Gradient sharing: network (CIDR, e.g. 10.1.0.0/16) whose interface Aeron binds to (null: any). */
    public String networkMask;
    /** Gradient sharing: trainer threads per executor (-1: 2 on a cluster, the workers in local mode; 1: one replica). */
    public int workersPerNode = -1;
    /** Extra Spark properties ({@code spark.*}), applied to the SparkConf. */
    public Map<String, String> conf = new LinkedHashMap<>();

    /** Gradient sharing: the initial encoding threshold of a trainer stepping with peak learning rate {@code lr}. */
    public double initialThreshold(double lr) {
        return thresholdRatio * lr;
    }

    public void validate() {
        if (numWorkers < 0 || averagingFrequency < 1 || prefetchBatches < 0) {
            throw new ConfigException("spark.num_workers must be >= 0, spark.averaging_frequency >= 1, "
                    + "spark.prefetch_batches >= 0");
        }
        if (!(thresholdRatio > 0)) {
            throw new ConfigException("spark.threshold_ratio must be > 0, got " + thresholdRatio);
        }
        if (!(minSparsity > 0 && minSparsity <= maxSparsity && maxSparsity <= 1)) {
            throw new ConfigException("spark.min_sparsity and spark.max_sparsity must satisfy 0 < min <= max <= 1");
        }
        if (!(thresholdDecay > 0 && thresholdDecay < 1) || !(residualKeep >= 0 && residualKeep <= 1)) {
            throw new ConfigException("spark.threshold_decay must be in (0, 1) and spark.residual_keep in [0, 1], got "
                    + thresholdDecay + " and " + residualKeep);
        }
        if (workersPerNode == 0 || workersPerNode < -1) {
            throw new ConfigException("spark.workers_per_node must be -1 or at least 1, got " + workersPerNode);
        }
        if (!repartition.equals("per_worker") && !repartition.equals("per_batch")) {
            throw new ConfigException("spark.repartition must be per_worker or per_batch, got " + repartition);
        }
        if (port <= 0 || port > 65535) {
            throw new ConfigException("spark.port must be a UDP port, got " + port);
        }
    }
}
