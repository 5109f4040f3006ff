package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.perceiverio.ImageClassifier;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import dev.attnspark.job.task.Tasks;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigLoaderTest {
    static final String EXAMPLE = "../conf/perceiver-io-img-clf-mnist.yaml";

    private static JobConfig load(String... overrides) {
        return ConfigLoader.load(EXAMPLE, List.of(overrides), Tasks.ALL);
    }

    private static String error(String... overrides) {
        return assertThrows(ConfigException.class, () -> load(overrides)).getMessage();
    }

    @Test
    void exampleIsTheUpstreamModelAndRecipe() {
        JobConfig c = load();
        ImageClassifierConfig m = (ImageClassifierConfig) c.model();
        assertEquals(907_212, ParamStore.size(new ImageClassifier(m).parameters()));
        assertEquals(128, c.data().batchSize);
        assertEquals(1e-3, c.optimizer().lr);
        assertEquals(0.01, c.optimizer().weightDecay);
        assertEquals(500, c.lrScheduler().warmupSteps);
        assertEquals(30, c.trainer().maxEpochs);
        assertEquals("shared", c.trainer().strategy);
    }

    @Test
    void dottedOverridesReachEverySection() {
        JobConfig c = load("--model.encoder.num_cross_attention_layers=3", "--optimizer.lr=3e-4",
                "--trainer.max_epochs=2", "--model.encoder.image_shape=[28, 28, 1]", "--data.dataset_dir=hdfs://nn/mnist",
                "--spark.conf.spark.executor.memory=8g", "--model.encoder.num_cross_attention_qk_channels=64");
        ImageClassifierConfig m = (ImageClassifierConfig) c.model();
        assertEquals(3, m.encoder.numCrossAttentionLayers);
        assertEquals(64, m.encoder.numCrossAttentionQkChannels);
        assertEquals(3e-4, c.optimizer().lr);
        assertEquals(2, c.trainer().maxEpochs);
        assertEquals("hdfs://nn/mnist", c.data().datasetDir);
        assertEquals("8g", c.spark().conf.get("spark.executor.memory"));
    }

    @Test
    void unknownKeysAreNamedWithASuggestion() {
        assertThat(error("--model.encoder.num_cross_attn_layers=2"))
                .contains("unknown configuration key 'model.encoder.num_cross_attn_layers'")
                .contains("did you mean num_cross_attention_layers");
        assertThat(error("--trainer.max_epoch=2")).contains("'trainer.max_epoch'").contains("max_epochs");
        assertThat(error("--optimiser.lr=1")).contains("unknown configuration key 'optimiser.lr'");
    }

    @Test
    void badValuesAreNamed() {
        assertThat(error("--trainer.max_epochs=many")).contains("bad value for 'trainer.max_epochs'");
        assertThat(error("--optimizer.lr=-1")).contains("optimizer.lr must be > 0");
        assertThat(error("--trainer.strategy=ring")).contains("trainer.strategy must be one of");
        assertThat(error("--model.encoder.num_cross_attention_layers=4"))
                .contains("model.encoder.num_cross_attention_layers (4) must be <= model.encoder.num_self_attention_blocks (3)");
        assertThat(error("--model.encoder.num_self_attention_heads=7"))
                .contains("model.encoder.num_self_attention_heads (7) must divide the query/key channels (128");
        assertThat(error("--model.decoder.num_classes=12")).contains("model.decoder.num_classes must be 10 for MNIST");
        assertThat(error("--trainer.max_epochs=null")).contains("'trainer.max_epochs'");
        assertThat(error("trainer.max_epochs=3")).contains("overrides are --section.key=value");
        assertThat(error("--spark.workers_per_node=0")).contains("spark.workers_per_node must be -1 or at least 1");
        assertThat(error("--spark.repartition=per_host")).contains("spark.repartition must be per_worker or per_batch");
        assertThat(error("--spark.residual_keep=1.5")).contains("spark.residual_keep in [0, 1]");
        assertThat(error("--spark.threshold_decay=1")).contains("spark.threshold_decay must be in (0, 1)");
        assertThat(error("--spark.threshold_ratio=0")).contains("spark.threshold_ratio must be > 0");
    }

    @Test
    void lightningStyleLoggerKeys() {
        JobConfig c = load("--trainer.logger=TensorBoardLogger", "--trainer.logger.save_dir=logs",
                "--trainer.logger.name=clm");
        assertEquals("TensorBoardLogger", c.trainer().logger.classPath);
        assertEquals("logs", c.trainer().logger.saveDir);
        assertEquals("clm", c.trainer().logger.name);
        assertThat(load("--trainer.logger=false").trainer().logger.enabled()).isFalse();
        assertThat(load().trainer().logger.enabled()).as("on by default, as in Lightning").isTrue();
        ObjectNode tree = ConfigLoader.read(EXAMPLE);
        ((ObjectNode) tree.get("trainer")).set("logger", ConfigLoader.parse("class_path: "
                + "lightning.pytorch.loggers.TensorBoardLogger\ninit_args: {save_dir: tb, name: mlm}\n", "logger"));
        JobConfig lightning = ConfigLoader.bind(tree, Tasks.ALL);
        assertEquals("tb", lightning.trainer().logger.saveDir);
        assertEquals("mlm", lightning.trainer().logger.name);
        ((ObjectNode) tree.get("trainer")).set("logger", ConfigLoader.parse("name: kept\ninit_args: {save_dir: tb}\n",
                "logger"));
        assertEquals("kept", ConfigLoader.bind(tree, Tasks.ALL).trainer().logger.name);
    }

    @Test
    void wordsNotJavaInValueErrors() {
        assertThat(error("--trainer.max_steps=3.5")).isEqualTo("bad value for 'trainer.max_steps': expected a whole "
                + "number (got 3.5)");
        assertThat(error("--model.encoder=5")).startsWith("bad value for 'model.encoder': this is a section, not a "
                + "value (got 5); set its keys instead: num_cross_attention_heads").contains("image_shape").doesNotContain("dev.attnspark");
        assertThat(error("--optimizer.betas=0.9")).contains("expected a list");
    }

    @Test
    void secretsNeverReachTheResolvedConfig() {
        JobConfig c = load("--spark.conf.spark.hadoop.fs.s3a.secret.key=AKIAsecretvalue",
                "--spark.conf.spark.hadoop.fs.s3a.access.key=AKIAaccess", "--spark.conf.spark.executor.memory=4g");
        String yaml = c.toYaml();
        assertThat(yaml).doesNotContain("AKIAsecretvalue").doesNotContain("AKIAaccess").contains("***redacted***")
                .contains("spark.executor.memory: 4g");
    }

    @Test
    void onlySecretLookingKeysAreRedacted() {
        assertThat(List.of("spark.hadoop.fs.s3a.session.token", "hf_token", "sessionToken", "fs.s3a.secret.key",
                "aws_access_key_id", "javax.jdo.option.ConnectionPassword", "credentials.file", "api_key",
                "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net"))
                .allMatch(ConfigLoader::isSecret);
        assertThat(List.of("data.tokenizer", "data.add_special_tokens", "data.add_eos_token", "pad_token", "eos_token_id", "model.image_token_id", "bad_token_ids", "max_tokens", "model.num_latents",
                "spark.hadoop.fs.s3a.aws.credentials.provider"))
                .noneMatch(ConfigLoader::isSecret);
    }

    /** Every example's resolved configuration, as a checkpoint's config.yaml, binds back to the same values. */
    @Test
    void everyExampleConfigRoundTripsThroughItsConfigYaml() throws Exception {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("../conf"))) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                // a Hub download on this machine in place of the one an example names (e.g. adept/fuyu-8b)
                List<String> overrides = java.nio.file.Files.readString(f).contains("name_or_path: /")
                        ? List.of("--data.dataset_dir=unused",
                                "--model.name_or_path=src/test/resources/fixtures/fuyu-tiny-hf")
                        : List.of("--data.dataset_dir=unused");
                JobConfig c = ConfigLoader.load(f.toString(), overrides, Tasks.ALL);
                JobConfig back = ConfigLoader.bind(ConfigLoader.parse(c.toYaml(), f + " config.yaml"), Tasks.ALL);
                assertThat(back.toYaml()).as(f.toString()).doesNotContain("redacted");
                assertEquals(c.tree(), back.tree(), f.toString());
            }
        }
    }

    @Test
    void resolvedConfigRoundTrips() {
        JobConfig c = load("--trainer.max_epochs=2");
        ObjectNode again = ConfigLoader.parse(c.toYaml(), "config.yaml");
        JobConfig d = ConfigLoader.bind(again, Tasks.ALL);
        assertEquals(c.tree(), d.tree());
    }
}
