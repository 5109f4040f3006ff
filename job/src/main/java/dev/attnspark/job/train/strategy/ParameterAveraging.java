package dev.attnspark.job.train.strategy;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.List;

/**
 * DL4J's parameter averaging: each worker takes {@code averagingFrequency} steps on its own copy, then parameters and
 * Adam state are averaged on the driver.
 */
public final class ParameterAveraging implements TrainingStrategy {
    private final SparkComputationGraph sparkNet;
    private final int workers;
    private final int averagingFrequency;
    private final StepCountHook stepCount = new StepCountHook();

    public ParameterAveraging(JavaSparkContext sc, ComputationGraph net, int workers, int batchSize,
                              int averagingFrequency, int prefetch, long seed, List<TrainingListener> listeners) {
        ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(workers, batchSize)
                .batchSizePerWorker(batchSize)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(prefetch)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .rngSeed(seed)
                .trainingHooks(stepCount, new ReleaseMemoryAtTaskEnd())
                .build();
        this.sparkNet = new SparkComputationGraph(sc, net, master);
        this.sparkNet.setListeners(listeners);
        this.workers = workers;
        this.averagingFrequency = averagingFrequency;
    }

    /** One averaging round per call, so that {@link StepCountHook} knows the round's first step. */
    @Override
    public long maxStepsPerFit() {
        return averagingFrequency;
    }

    @Override
    public void fit(JavaRDD<MultiDataSet> batches, long step) {
        network().getConfiguration().setIterationCount((int) step);
        stepCount.startRound(step);
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
