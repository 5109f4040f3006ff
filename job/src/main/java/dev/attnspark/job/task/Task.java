package dev.attnspark.job.task;

import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.autograd.Losses;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a configuration's {@code task} trains: the model, its data, and how a batch is scored. Everything else (the
 * epoch loop, strategies, checkpoints, metrics files) is the trainer's and shared by all tasks.
 */
public interface Task<E> extends Serializable {

    /** The name used as {@code task:} in configurations. */
    String name();

    Class<?> modelConfigClass();

    Class<? extends DataConfig> dataConfigClass();

    /** Validates the model section; {@link IllegalArgumentException} messages name {@code model.*} keys. */
    void validateModel(Object modelConfig);

    /** The model type the task trains (a {@code Models} type), built from the {@code model} section. */
    String modelType();

    /** Parameter-name prefixes that are not trained, as the model section's {@code freeze} keys say. */
    List<String> frozenPrefixes(Object modelConfig);

    /**
     * The examples, read by executors into {@code numPartitions} shards; without {@code withTrain} only the
     * validation split is opened (for {@code evaluate}, which may be given a folder holding only that split), and
     * {@link TaskData#train} is null.
     */
    TaskData<E> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain);

    /** Scores a batch with the network in inference mode (dropout off): the cross-entropy sums of its logits. */
    default MetricSums evaluate(ComputationGraph net, DataSet batch) {
        INDArray logits = net.output(false, batch.getFeatures())[0];
        Losses.CrossEntropy ce = Losses.crossEntropy(logits, batch.getLabels(), false);
        return new MetricSums().add(ce.lossSum(), ce.counted(), ce.correct());
    }

    /** The names of the metrics {@link #metrics} reports, e.g. {@code loss}, {@code accuracy}. */
    default java.util.Set<String> metricNames() {
        return metrics(new MetricSums()).keySet();
    }

    /** The metrics reported for {@code split} ("train" or "valid"): at least {@code loss}. */
    default Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", s.meanLoss());
        return m;
    }
}
