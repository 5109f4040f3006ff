package dev.attnspark.job.train.strategy;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.ResidualPostProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a trainer keeps of the update it did not send. DL4J keeps it all (the residual) and sends it once it passes
 * the threshold; with Adam, whose updates are all about the learning rate in size, that residual turns into a delay
 * line and training oscillates. Multiplying it by {@code keep} after every step bounds that delay; 0 sends each
 * step's update or nothing of it.
 */
final class ResidualDecay implements ResidualPostProcessor {
    private static final long serialVersionUID = 1L;
    private double keep;

    ResidualDecay(double keep) {
        this.keep = keep;
    }

    @SuppressWarnings("unused") // for Kryo
    private ResidualDecay() {}

    @Override
    public void processResidual(int iteration, int epoch, double lastThreshold, INDArray residual) {
        if (keep == 0) {
            residual.assign(0);
        } else if (keep < 1) {
            residual.muli(keep);
        }
    }

    @Override
    public ResidualPostProcessor clone() {
        return new ResidualDecay(keep);
    }
}
