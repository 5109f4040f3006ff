package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A run's configuration, resolved: every section bound to its typed class (defaults filled in) and validated.
 *
 * @param task  what is trained, e.g. {@code perceiver-io-image-classifier}
 * @param model the task's model configuration (upstream field names)
 * @param tree  the same configuration as a tree, as written to {@code config.yaml}
 */
public record JobConfig(String task, Object model, DataConfig data, OptimizerConfig optimizer,
                        LrSchedulerConfig lrScheduler, TrainerConfig trainer, SparkConfig spark, ObjectNode tree) {

    /** The resolved configuration as YAML, with secret-looking values redacted. */
    public String toYaml() {
        return ConfigLoader.toYaml(tree);
    }
}
