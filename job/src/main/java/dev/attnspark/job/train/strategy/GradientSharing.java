package dev.attnspark.job.train.strategy;

import dev.attnspark.job.config.SparkConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.repartitioner.DefaultRepartitioner;
import org.deeplearning4j.spark.impl.repartitioner.NoOpRepartitioner;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

import java.util.List;

/**
 * DL4J's {@code SharedTrainingMaster}: every trainer computes its own AdamW update, threshold-encodes it (a 2-bit
 * bitmap of ±threshold, or the indices of the values above it) and applies the encoded updates of all trainers, its
 * own included; they travel over Aeron UDP with the driver as the mesh's root. DL4J sums the trainers' updates, so
 * each trainer steps with {@code 1/trainers} of the run's learning rate (see {@link #trainers}) and the applied step
 * has the size of one step at that rate, as the averaged gradient of DDP does. By default each worker's share of a
 * round is one Spark task ({@code spark.repartition: per_worker}) and what a trainer did not send is dropped
 * ({@code spark.residual_keep: 0}): docs/deployment.md has the measurements behind all three.
 */
public final class GradientSharing implements TrainingStrategy {
    private final SparkComputationGraph sparkNet;
    private final int workers;

    /**
     * @param workers   executors (one Spark task each per round; in local mode, the local threads)
     * @param trainerLr the peak learning rate each trainer steps with (the encoding threshold is a fraction of it)
     */
    public GradientSharing(JavaSparkContext sc, ComputationGraph net, int workers, int batchSize, SparkConfig c,
                           double trainerLr, long seed, List<TrainingListener> listeners) {
        String controller = c.controllerAddress != null ? c.controllerAddress
                : c.networkMask != null ? null : sc.getConf().get("spark.driver.host", "127.0.0.1");
        VoidConfiguration voidConf = VoidConfiguration.builder()
                .portSupplier(new AeronPort(c.port))
                .controllerAddress(controller)
                .networkMask(c.networkMask)
                .build();
        AdaptiveThresholdAlgorithm threshold = new AdaptiveThresholdAlgorithm(c.initialThreshold(trainerLr),
                c.minSparsity, c.maxSparsity, c.thresholdDecay);
        SharedTrainingMaster master = new SharedTrainingMaster.Builder(voidConf, threshold, batchSize)
                .residualPostProcessor(new ResidualDecay(c.residualKeep))
                .repartitioner(c.repartition.equals("per_batch") ? new DefaultRepartitioner() : new NoOpRepartitioner())
                .batchSizePerWorker(batchSize)
                .workersPerNode(workersPerNode(sc, workers, c.workersPerNode))
                .workerPrefetchNumBatches(c.prefetchBatches)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(seed)
                .build();
        this.sparkNet = new SparkComputationGraph(sc, net, master);
        List<TrainingListener> all = new java.util.ArrayList<>();
        all.add(new KeepIterationCount()); // first: one trainer per executor would restart its step count every task
        all.addAll(listeners);
        this.sparkNet.setListeners(all);
        this.workers = workers;
    }

    /**
     * Trainers in all: each takes one batch per step. In local mode every worker is a trainer thread of the driver's
     * JVM; on a cluster each of the {@code workers} executors runs {@link #workersPerNode} of them.
     */
    public static int trainers(JavaSparkContext sc, int workers, SparkConfig c) {
        int perNode = workersPerNode(sc, workers, c.workersPerNode);
        return sc.isLocal() ? perNode : workers * perNode;
    }

    /**
     * Trainer threads per executor; by default 2 on a cluster, the workers in local mode. One trainer (a one-GPU
     * executor: one model replica) takes DL4J 1.0.0-M2's path without a {@code ParallelWrapper}, which resets the
     * step count for every Spark task; {@link KeepIterationCount} puts it back. (DL4J's own default,
     * {@code max(1, cores / 4)}, would take that path on any executor with fewer than 8 cores.) In local mode every
     * worker lives in the driver's JVM: one trainer per worker. See docs/deployment.md.
     */
    static int workersPerNode(JavaSparkContext sc, int workers, int configured) {
        if (configured > 0) {
            return configured;
        }
        return sc.isLocal() ? Math.max(2, workers) : 2;
    }

    @Override
    public void fit(JavaRDD<MultiDataSet> batches, long step) {
        network().getConfiguration().setIterationCount((int) step);
        sparkNet.fitMultiDataSet(batches);
    }

    @Override
    public ComputationGraph network() {
        return sparkNet.getNetwork();
    }

    @Override
    public int workers() {
        return workers;
    }
}
