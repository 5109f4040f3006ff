package dev.attnspark.job.train;

import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.MetricSums;
import dev.attnspark.job.task.Task;
import dev.attnspark.job.task.TaskData;
import dev.attnspark.job.task.Tasks;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.PrintStream;
import java.util.Map;

/** Validation of a trained network outside training (the {@code evaluate} verb). */
public final class Evaluation {
    private Evaluation() {}

    public static Map<String, Double> run(JobConfig cfg, ComputationGraph net, PrintStream out) {
        return run(Tasks.ALL.get(cfg.task()), cfg, net, out);
    }

    private static <E> Map<String, Double> run(Task<E> task, JobConfig cfg, ComputationGraph net, PrintStream out) {
        SparkSetup.checkMaster(cfg.spark());
        try (JavaSparkContext sc = SparkSetup.context(cfg.spark())) {
            int partitions = cfg.data().numPartitions > 0 ? cfg.data().numPartitions : 2 * sc.defaultParallelism();
            TaskData<E> data = task.data(sc, cfg, partitions, false);
            MetricSums sums = Evaluator.evaluate(sc, net, data.valid(), data.batchMaker(), cfg.data().validationBatchSize());
            Map<String, Double> metrics = task.metrics(sums, cfg.data());
            new Progress(out, 0, 0).validationTable(metrics);
            return metrics;
        }
    }
}
