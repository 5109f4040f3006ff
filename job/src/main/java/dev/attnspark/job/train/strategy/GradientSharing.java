package dev.attnspark.job.train.strategy;

import dev.attnspark.job.config.SparkConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier;

import java.util.List;

/**
 * DL4J's {@code SharedTrainingMaster}: every worker applies its own Adam update and sends it, threshold-encoded
 * (sparse, with the remainder kept as a residual), to the others over Aeron UDP; the driver is the mesh's root.
 */
public final class GradientSharing implements TrainingStrategy {
    private final SparkComputationGraph sparkNet;
    private final int workers;

    public GradientSharing(JavaSparkContext sc, ComputationGraph net, int workers, int batchSize, SparkConfig c,
                           long seed, List<TrainingListener> listeners) {
        String controller = c.controllerAddress != null ? c.controllerAddress
                : c.networkMask != null ? null : sc.getConf().get("spark.driver.host", "127.0.0.1");
        VoidConfiguration voidConf = VoidConfiguration.builder()
                .portSupplier(new StaticPortSupplier(c.port))
                .controllerAddress(controller)
                .networkMask(c.networkMask)
                .build();
        SharedTrainingMaster master = new SharedTrainingMaster.Builder(voidConf,
                new AdaptiveThresholdAlgorithm(c.threshold, c.minSparsity, c.maxSparsity,
                        AdaptiveThresholdAlgorithm.DEFAULT_DECAY_RATE), batchSize)
                .batchSizePerWorker(batchSize)
                .workersPerNode(workersPerNode(sc, workers, c.workersPerNode))
                .workerPrefetchNumBatches(c.prefetchBatches)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(seed)
                .build();
        this.sparkNet = new SparkComputationGraph(sc, net, master);
        this.sparkNet.setListeners(listeners);
        this.workers = workers;
    }

    /**
     * Trainer threads per executor. In local mode every worker lives in the driver's JVM, and DL4J's default
     * ({@code max(1, cores / 4)}) would leave a single trainer whose updates never reach the driver's model: each
     * round would restart from stale parameters. Measured in docs/benchmarks.md.
     */
    static int workersPerNode(JavaSparkContext sc, int workers, int configured) {
        if (configured > 0) {
            return configured;
        }
        return sc.isLocal() ? workers : -1;
    }

    @Override
    public void fit(JavaRDD<DataSet> batches, long step) {
        network().getConfiguration().setIterationCount((int) step);
        sparkNet.fit(batches);
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
