package dev.attnspark.job.train;

import dev.attnspark.job.model.dl4j.ModelLayerImpl;
import dev.attnspark.job.task.MetricSums;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;

/**
 * Adds the cross-entropy sums of every training step, wherever it runs (driver or executor), to a Spark accumulator
 * the driver reads after each chunk. The loss is the task loss only (DL4J's {@code score()} adds the weight-decay
 * term).
 */
public final class StepMetricsListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private final MetricSumsAccumulator sums;

    public StepMetricsListener(MetricSumsAccumulator sums) {
        this.sums = sums;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (model instanceof ComputationGraph g && g.getOutputLayer(0) instanceof ModelLayerImpl layer) {
            ModelLayerImpl.StepStats s = layer.lastStep();
            if (s != null) {
                MetricSums m = new MetricSums().add(s.lossSum(), s.targets(), s.correct());
                m.steps = 1;
                sums.add(m);
            }
        }
    }
}
