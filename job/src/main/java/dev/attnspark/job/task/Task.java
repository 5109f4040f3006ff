package dev.attnspark.job.task;

import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.ModelType;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a configuration's {@code task} trains: the model type, its data and its metrics (the model scores a batch).
 * Everything else (the epoch loop, strategies, checkpoints, metrics files) is the trainer's and shared by all tasks.
 */
public interface Task<E> extends Serializable {

    /** The name used as {@code task:} in configurations. */
    String name();

    /** The model the task trains, built from the {@code model} section. */
    ModelType<?> modelType();

    Class<? extends DataConfig> dataConfigClass();

    /** Sets the model keys that follow the data section (e.g. the vocabulary size and the sequence length). */
    default void link(Object modelConfig, DataConfig data) {
    }

    /**
     * Checks what the task needs of a model its type accepts (e.g. ten classes for MNIST); messages name
     * {@code model.*} keys. The model type's own checks have run.
     */
    default void validateModel(Object modelConfig) {
    }

    /**
     * The examples, read by executors into {@code numPartitions} shards; without {@code withTrain} only the
     * validation split is opened (for {@code evaluate}, which may be given a folder holding only that split), and
     * {@link TaskData#train} is null.
     */
    TaskData<E> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain);

    /**
     * Writes the task's data tokenized and cut, once, for the {@code prep} verb (perceiver-io's {@code preproc});
     * {@code train} then reads {@code out} as its {@code data.dataset_dir}. Returns a line saying what was written.
     */
    default String prep(JavaSparkContext sc, JobConfig cfg, String out, int numPartitions) {
        throw new UnsupportedOperationException(name() + " has no preparation step");
    }

    /** Whether {@link #prep} does something for this task. */
    default boolean prepares() {
        return false;
    }

    /** The names of the metrics {@link #metrics} reports, e.g. {@code loss}, {@code accuracy}. */
    default java.util.Set<String> metricNames(DataConfig data) {
        return metrics(new MetricSums(), data).keySet();
    }

    /** The metrics for data read as {@code data} says (e.g. bits per byte only for a bytes tokenizer). */
    default Map<String, Double> metrics(MetricSums s, DataConfig data) {
        return metrics(s);
    }

    /** The metrics reported for {@code split} ("train" or "valid"): at least {@code loss}. */
    default Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", s.meanLoss());
        return m;
    }
}
