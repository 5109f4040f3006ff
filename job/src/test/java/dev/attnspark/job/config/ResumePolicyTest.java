package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.task.Tasks;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResumePolicyTest {
    static final String EXAMPLE = "../conf/perceiver-io-img-clf-mnist.yaml";

    /** A checkpoint's config.yaml as the trainer writes it: resolved, secrets redacted. */
    private static ObjectNode checkpoint() {
        JobConfig c = ConfigLoader.load(EXAMPLE, List.of("--model.num_latents=16", "--data.dataset_dir=/data/mnist",
                "--spark.conf.spark.hadoop.fs.s3a.secret.key=s3cr3t"), Tasks.ALL);
        return ConfigLoader.parse(c.toYaml(), "config.yaml");
    }

    private static JobConfig resume(String... overrides) {
        ObjectNode requested = checkpoint();
        ConfigLoader.applyOverrides(requested, List.of(overrides));
        return ResumePolicy.apply(checkpoint(), requested, Tasks.ALL, ResumePolicy.MAY_CHANGE_ON_RESUME,
                "train --resume");
    }

    @Test
    void theCheckpointGovernsAndEveryOtherChangeIsNamed() {
        String msg = assertThrows(ConfigException.class, () -> resume("--model.num_latents=32", "--optimizer.lr=1e-2",
                "--data.batch_size=8", "--trainer.strategy=single")).getMessage();
        assertThat(msg).contains("model.num_latents (16 -> 32)").contains("optimizer.lr (0.001 -> 0.01)")
                .contains("data.batch_size (128 -> 8)").contains("trainer.strategy (shared -> single)")
                .contains("Keys that may change: trainer.max_epochs");
    }

    @Test
    void lengthLoggingDataPlaceAndSparkMayChange() {
        JobConfig c = resume("--trainer.max_epochs=40", "--trainer.max_steps=1000", "--data.dataset_dir=hdfs:///mnist",
                "--spark.master=local[2]", "--trainer.logger.name=again", "--trainer.early_stopping.monitor=val_loss");
        assertEquals(40, c.trainer().maxEpochs);
        assertEquals(1000, c.trainer().maxSteps);
        assertEquals("hdfs:///mnist", c.data().datasetDir);
        assertEquals("local[2]", c.spark().master);
        assertEquals("again", c.trainer().logger.name);
        assertEquals(16, ((dev.attnspark.job.model.perceiverio.ImageClassifierConfig) c.model()).numLatents);
    }

    @Test
    void redactedSecretsAreNotResumedAsValues() {
        JobConfig c = resume();
        assertThat(c.spark().conf).doesNotContainKey("spark.hadoop.fs.s3a.secret.key");
        JobConfig given = resume("--spark.conf.spark.hadoop.fs.s3a.secret.key=fresh");
        assertEquals("fresh", given.spark().conf.get("spark.hadoop.fs.s3a.secret.key"));
        assertThat(given.toYaml()).doesNotContain("fresh");
    }

    @Test
    void evaluateMayReadOtherDataButNotAnotherModel() {
        ObjectNode requested = checkpoint();
        ConfigLoader.applyOverrides(requested, List.of("--data.dataset_dir=/elsewhere", "--data.batch_size=7"));
        JobConfig c = ResumePolicy.apply(checkpoint(), requested, Tasks.ALL, ResumePolicy.MAY_CHANGE_ON_EVALUATE,
                "evaluate");
        assertEquals("/elsewhere", c.data().datasetDir);
        ConfigLoader.applyOverrides(requested, List.of("--model.num_latents=8"));
        assertThat(assertThrows(ConfigException.class, () -> ResumePolicy.apply(checkpoint(), requested, Tasks.ALL,
                ResumePolicy.MAY_CHANGE_ON_EVALUATE, "evaluate")).getMessage())
                .contains("evaluate: the checkpoint's configuration governs").contains("model.num_latents (16 -> 8)");
    }
}
