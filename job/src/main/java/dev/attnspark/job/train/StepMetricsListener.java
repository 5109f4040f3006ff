package dev.attnspark.job.train;

import dev.attnspark.job.model.dl4j.ModelLayerImpl;
import dev.attnspark.job.task.MetricSums;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

import java.io.Serializable;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Collects the cross-entropy sums of every training step wherever it runs (driver or executor); the driver drains
 * them after each chunk. The loss is the task loss only (DL4J's {@code score()} adds the weight-decay term).
 *
 * <p>Two channels. With parameter averaging (and in the driver) the listener lives in the task that trains, so a
 * Spark accumulator carries the sums back exactly. DL4J's gradient sharing keeps one long-lived trainer per executor
 * with the listener of the first task, and returns no listener updates; there the sums go to a JVM-wide sink that
 * the driver reads directly in local mode, or collects with a small job on a cluster.
 */
public final class StepMetricsListener extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Map<String, MetricSums> JVM_SINK = new ConcurrentHashMap<>();
    private final MetricSumsAccumulator accumulator;
    private final String runId;

    private StepMetricsListener(MetricSumsAccumulator accumulator, String runId) {
        this.accumulator = accumulator;
        this.runId = runId;
    }

    /** A listener that reports through a Spark accumulator (the task that trains holds the listener). */
    public static StepMetricsListener viaAccumulator(JavaSparkContext sc) {
        MetricSumsAccumulator acc = new MetricSumsAccumulator();
        sc.sc().register(acc, "train-step-metrics");
        return new StepMetricsListener(acc, null);
    }

    /** A listener that reports through a JVM-wide sink (long-lived trainers, as in gradient sharing). */
    public static StepMetricsListener viaJvmSink() {
        return new StepMetricsListener(null, UUID.randomUUID().toString());
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (model instanceof ComputationGraph g && g.getOutputLayer(0) instanceof ModelLayerImpl layer) {
            ModelLayerImpl.StepStats s = layer.lastStep();
            if (s != null) {
                MetricSums m = new MetricSums().add(s.lossSum(), s.targets(), s.correct());
                m.steps = 1;
                if (accumulator != null) {
                    accumulator.add(m);
                } else {
                    JVM_SINK.merge(runId, m, MetricSums::merge);
                }
            }
        }
    }

    /** The sums since the last drain. */
    public MetricSums drain(JavaSparkContext sc) {
        if (accumulator != null) {
            return accumulator.drain();
        }
        MetricSums sums = drainJvm(runId);
        if (!sc.isLocal()) {
            int tasks = 4 * sc.defaultParallelism(); // enough tasks to reach every executor, in practice
            String id = runId;
            sums.merge(sc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                    .map(i -> drainJvm(id)).reduce(MetricSums::merge));
        }
        return sums;
    }

    private static MetricSums drainJvm(String id) {
        MetricSums s = JVM_SINK.remove(id);
        return s == null ? new MetricSums() : s;
    }
}
