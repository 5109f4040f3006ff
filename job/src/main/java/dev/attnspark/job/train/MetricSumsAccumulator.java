package dev.attnspark.job.train;

import dev.attnspark.job.task.MetricSums;
import org.apache.spark.util.AccumulatorV2;

/** A Spark accumulator of {@link MetricSums}; thread-safe because a gradient-sharing executor trains in threads. */
public final class MetricSumsAccumulator extends AccumulatorV2<MetricSums, MetricSums> {
    private MetricSums sums = new MetricSums();

    @Override
    public synchronized boolean isZero() {
        return sums.isEmpty();
    }

    @Override
    public synchronized AccumulatorV2<MetricSums, MetricSums> copy() {
        MetricSumsAccumulator c = new MetricSumsAccumulator();
        c.sums = sums.copy();
        return c;
    }

    @Override
    public synchronized void reset() {
        sums = new MetricSums();
    }

    @Override
    public synchronized void add(MetricSums v) {
        sums.merge(v);
    }

    @Override
    public synchronized void merge(AccumulatorV2<MetricSums, MetricSums> other) {
        sums.merge(other.value());
    }

    @Override
    public synchronized MetricSums value() {
        return sums.copy();
    }

    /** The sums so far, and a fresh start. */
    public synchronized MetricSums drain() {
        MetricSums s = sums;
        sums = new MetricSums();
        return s;
    }
}
