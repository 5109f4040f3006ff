package dev.attnspark.job.task;

import java.io.Serializable;

/**
 * Additive evaluation sums (so that workers and partitions can be merged): the summed loss over the counted
 * targets, and for classifiers the number of correct predictions.
 */
public final class MetricSums implements Serializable {
    private static final long serialVersionUID = 1L;
    public double lossSum;
    public long targets;
    public long correct;
    public long steps;

    public MetricSums add(double loss, long targets, long correct) {
        this.lossSum += loss;
        this.targets += targets;
        this.correct += correct;
        return this;
    }

    public MetricSums merge(MetricSums o) {
        lossSum += o.lossSum;
        targets += o.targets;
        correct += o.correct;
        steps += o.steps;
        return this;
    }

    public double meanLoss() {
        return targets == 0 ? Double.NaN : lossSum / targets;
    }

    public double accuracy() {
        return targets == 0 ? Double.NaN : (double) correct / targets;
    }

    public MetricSums copy() {
        return new MetricSums().merge(this);
    }

    public boolean isEmpty() {
        return targets == 0 && steps == 0;
    }
}
