package dev.attnspark.job.task;

import dev.attnspark.datasets.imdb.SyntheticReviews;
import dev.attnspark.datasets.text.TokenChunk;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Validation batches are the same whether training (both splits) or evaluating (the test split alone). */
class MaskedLanguageModelTaskTest {

    @Test
    void evaluateOfTheLastCheckpointGivesTheRunsLastValidation(@TempDir Path tmp) throws Exception {
        SyntheticReviews.write(tmp, 40, 80, 1);
        Path run = tmp.resolve("run");
        JobConfig cfg = ConfigLoader.load("../conf/perceiver-io-mlm-imdb.yaml", List.of("--data.dataset_dir=" + tmp,
                "--data.max_seq_len=64", "--model.params=null", "--trainer.output_dir=" + run,
                "--trainer.strategy=single", "--spark.master=local[2]", "--trainer.max_epochs=1",
                "--optimizer.lr=2e-3", "--lr_scheduler.warmup_steps=5", "--data.batch_size=8",
                "--model.num_latents=8", "--model.num_latent_channels=32", "--model.encoder.num_input_channels=32",
                "--model.encoder.num_cross_attention_qk_channels=32", "--model.encoder.num_cross_attention_v_channels=32",
                "--model.encoder.num_self_attention_qk_channels=32", "--model.encoder.num_self_attention_v_channels=32",
                "--model.encoder.num_self_attention_layers_per_block=1", "--model.decoder.num_cross_attention_qk_channels=32",
                "--model.decoder.num_cross_attention_v_channels=32", "--spark.conf.spark.ui.enabled=false"), Tasks.ALL);
        dev.attnspark.job.train.Trainer.Result r = dev.attnspark.job.train.Trainer.train(cfg, false, System.out);
        // the verb, in this JVM: the configuration comes from the checkpoint's config.yaml, as in a fresh one
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(dev.attnspark.job.cli.Main.run(new String[] {"evaluate", "--checkpoint", run.toString(),
                    "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false"})).isZero();
        } finally {
            System.setOut(stdout);
        }
        String table = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(table).containsPattern(String.format(java.util.Locale.ROOT, "val_loss +%.4f",
                r.lastValid().get("loss"))).containsPattern(String.format(java.util.Locale.ROOT, "val_acc +%.4f",
                r.lastValid().get("accuracy")));
    }

    @Test
    void validationIsTheSameForTrainAndEvaluate(@TempDir Path tmp) throws Exception {
        SyntheticReviews.write(tmp, 20, 40, 1);
        JobConfig cfg = ConfigLoader.load("../conf/perceiver-io-mlm-imdb.yaml", List.of("--data.dataset_dir=" + tmp,
                "--data.max_seq_len=64", "--model.params=null"), Tasks.ALL);
        MaskedLanguageModelTask task = new MaskedLanguageModelTask();
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("t")
                .set("spark.ui.enabled", "false"))) {
            TaskData<TokenChunk> training = task.data(sc, cfg, 4, true);
            TaskData<TokenChunk> evaluating = task.data(sc, cfg, 3, false);
            List<TokenChunk> a = training.valid().collect(), b = evaluating.valid().collect();
            assertThat(b).extracting(TokenChunk::index).isEqualTo(a.stream().map(TokenChunk::index).toList());
            Batch x = training.batchMaker().batch(a, BatchMaker.VALIDATION);
            Batch y = evaluating.batchMaker().batch(b, BatchMaker.VALIDATION);
            assertThat(y.get("input_ids")).isEqualTo(x.get("input_ids"));
            assertThat(y.labels()).isEqualTo(x.labels());
        }
    }
}
