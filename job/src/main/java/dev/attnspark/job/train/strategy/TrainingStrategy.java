package dev.attnspark.job.train.strategy;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * How the workers train on a chunk of batches and share what they learn: {@code single} (one worker in the driver),
 * {@code averaging} (parameter averaging) or {@code shared} (threshold-encoded updates over Aeron). After
 * {@link #fit}, {@link #network()} holds the driver's up-to-date parameters and optimizer state.
 */
public interface TrainingStrategy extends AutoCloseable {

    /** Trains on {@code batches} (each one worker's minibatch), starting at optimizer step {@code step}. */
    void fit(JavaRDD<MultiDataSet> batches, long step);

    /** The driver's network. */
    ComputationGraph network();

    /** The most optimizer steps one {@link #fit} call may cover. */
    default long maxStepsPerFit() {
        return Long.MAX_VALUE;
    }

    /** Number of workers training in parallel (Spark tasks per round). */
    int workers();

    @Override
    default void close() {
    }
}
