package dev.attnspark.job.train.optim;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;

import java.util.Objects;

/**
 * Learning rate per optimizer step with linear warmup, as perceiver-io's {@code lrs.py}:
 * {@code ConstantWithWarmupLR} ({@code lr · min(step / warmup, 1)}) and {@code CosineWithWarmupLR}
 * (then a half cosine down to {@code min_fraction · lr} at {@code training_steps}). Step 0 has learning rate 0, as
 * with PyTorch's {@code LambdaLR}.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class WarmupSchedule implements ISchedule {
    private double lr;
    private int warmupSteps;
    private boolean cosine;
    private int trainingSteps;
    private double minFraction;
    private double numCycles;

    private WarmupSchedule() {}

    public static WarmupSchedule constant(double lr, int warmupSteps) {
        WarmupSchedule s = new WarmupSchedule();
        s.lr = lr;
        s.warmupSteps = warmupSteps;
        return s;
    }

    public static WarmupSchedule cosine(double lr, int warmupSteps, int trainingSteps, double minFraction,
                                        double numCycles) {
        WarmupSchedule s = constant(lr, warmupSteps);
        s.cosine = true;
        s.trainingSteps = trainingSteps;
        s.minFraction = minFraction;
        s.numCycles = numCycles;
        return s;
    }

    /** The same schedule with every learning rate multiplied by {@code factor}. */
    public WarmupSchedule scaled(double factor) {
        WarmupSchedule s = (WarmupSchedule) clone();
        s.lr = lr * factor;
        return s;
    }

    /** The learning rate after warmup (the schedule's peak). */
    public double peak() {
        return lr;
    }

    @Override
    public double valueAt(int step, int epoch) {
        if (step < warmupSteps) {
            return lr * step / Math.max(1, warmupSteps);
        }
        if (!cosine) {
            return lr;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, trainingSteps - warmupSteps);
        return lr * (minFraction + Math.max(0.0,
                0.5 * (1.0 - minFraction) * (1.0 + Math.cos(Math.PI * numCycles * 2.0 * progress))));
    }

    @Override
    public ISchedule clone() {
        WarmupSchedule s = new WarmupSchedule();
        s.lr = lr;
        s.warmupSteps = warmupSteps;
        s.cosine = cosine;
        s.trainingSteps = trainingSteps;
        s.minFraction = minFraction;
        s.numCycles = numCycles;
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupSchedule s && s.lr == lr && s.warmupSteps == warmupSteps && s.cosine == cosine
                && s.trainingSteps == trainingSteps && s.minFraction == minFraction && s.numCycles == numCycles;
    }

    @Override
    public int hashCode() {
        return Objects.hash(lr, warmupSteps, cosine, trainingSteps, minFraction, numCycles);
    }

    @Override
    public String toString() {
        return (cosine ? "CosineWithWarmupLR" : "ConstantWithWarmupLR") + "(lr=" + lr + ", warmup_steps=" + warmupSteps
                + (cosine ? ", training_steps=" + trainingSteps : "") + ")";
    }
}
