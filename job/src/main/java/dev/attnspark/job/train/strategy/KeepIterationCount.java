package dev.attnspark.job.train.strategy;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;

/**
 * Keeps a gradient-sharing trainer's step count across Spark tasks when an executor runs one trainer. DL4J 1.0.0-M2's
 * {@code SharedTrainingWrapper} has no {@code ParallelWrapper} then, so its set-up block runs again for every task and
 * sets the model's iteration and epoch counts to {@code ModelParameterServer.getStartPosition()}: the highest
 * iteration in updates from other nodes, 0 on a lone executor. Every task thus restarted the learning-rate schedule
 * (with a warm-up, at lr 0, so no update was ever encoded and the driver's model never changed) and Adam's bias
 * correction. The set-up keeps this listener attached to the model it trains, and {@code fit} calls
 * {@link #onEpochStart} after the reset and before the first step: the counts reached are put back there.
 */
final class KeepIterationCount extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient int next = -1;
    private transient int nextEpoch;

    @Override
    public void onEpochStart(Model model) {
        if (model instanceof ComputationGraph g && next >= 0 && g.getConfiguration().getIterationCount() < next) {
            g.getConfiguration().setIterationCount(next);
            g.getConfiguration().setEpochCount(nextEpoch);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        next = iteration + 1;
        nextEpoch = epoch;
    }
}
