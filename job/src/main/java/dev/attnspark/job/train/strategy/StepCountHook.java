package dev.attnspark.job.train.strategy;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Gives each parameter-averaging worker the global step count. DL4J 1.0.0-M2 builds a round's workers from
 * {@code ComputationGraphConfiguration.clone()}, which drops {@code iterationCount}: every round would restart the
 * learning-rate schedule at step 0 and Adam's bias correction at t = 1 while its moments carry over (training
 * stalls). This hook, shipped with the worker, sets the count before every step: the round's first step plus the
 * steps this worker has taken in the round.
 */
final class StepCountHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private long roundStart;
    private transient long taken;

    /** Called on the driver before a round is started. */
    void startRound(long step) {
        this.roundStart = step;
    }

    private void before(Model model) {
        if (model instanceof ComputationGraph g) {
            g.getConfiguration().setIterationCount((int) (roundStart + taken));
        }
        taken++;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        before(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
