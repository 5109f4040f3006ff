package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.datasets.imdb.SyntheticReviews;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.cli.Main;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.task.Tasks;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.apache.commons.io.output.TeeOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * perceiver-io's two-step sentiment workflow end to end on generated reviews, through checkpoints, with gradient
 * sharing in Spark local[2]: the masked language model learns (masked-token loss falls), the classifier's decoder
 * trains on the frozen MLM encoder (which is bit-identical afterwards and reported frozen), then the whole
 * classifier continues from that checkpoint and learns the sentiment (the encoder moves). A tiny MLM trained for
 * seconds learns byte statistics, not context, so step 1 alone is not asked to reach an accuracy here.
 */
class TextTrainingTest {
    static final String MLM = "../conf/perceiver-io-mlm-imdb.yaml";
    static final String DEC = "../conf/perceiver-io-txt-clf-imdb-dec.yaml";
    static final String ALL = "../conf/perceiver-io-txt-clf-imdb-all.yaml";

    /** A text encoder small enough for 2 cores: 16 latents x 64 channels, one cross- and two self-attention layers. */
    static final List<String> SMALL_ENCODER = List.of("--model.num_latents=16", "--model.num_latent_channels=64",
            "--model.encoder.num_input_channels=64", "--model.encoder.num_cross_attention_heads=4",
            "--model.encoder.num_cross_attention_qk_channels=64", "--model.encoder.num_cross_attention_v_channels=64",
            "--model.encoder.num_self_attention_heads=4", "--model.encoder.num_self_attention_qk_channels=64",
            "--model.encoder.num_self_attention_v_channels=64", "--model.encoder.num_self_attention_layers_per_block=2",
            "--model.encoder.init_scale=0.1", "--model.decoder.init_scale=0.1", "--data.max_seq_len=128",
            "--data.batch_size=16", "--spark.master=local[2]", "--trainer.strategy=shared",
            "--trainer.log_every_n_steps=10", "--lr_scheduler.warmup_steps=10", "--spark.conf.spark.ui.enabled=false");

    static JobConfig config(String file, Path reviews, Path run, String... overrides) {
        List<String> all = new ArrayList<>(SMALL_ENCODER);
        all.add("--data.dataset_dir=" + reviews);
        all.add("--trainer.output_dir=" + run);
        all.addAll(Arrays.asList(overrides));
        return ConfigLoader.load(file, all, Tasks.ALL);
    }

    @Test
    void mlmThenFrozenDecoderThenEverything(@TempDir Path tmp) throws Exception {
        Path reviews = tmp.resolve("imdb");
        SyntheticReviews.write(reviews, 240, 320, 3);

        Path mlmRun = tmp.resolve("mlm");
        Trainer.Result mlm = Trainer.train(config(MLM, reviews, mlmRun, "--model.params=null",
                "--model.decoder.num_cross_attention_heads=4", "--model.decoder.num_cross_attention_qk_channels=64",
                "--model.decoder.num_cross_attention_v_channels=64", "--model.encoder.dropout=0.0",
                "--model.decoder.dropout=0.0", "--optimizer.lr=2e-3", "--trainer.max_epochs=4"), false, System.out);
        List<JsonNode> mlmTrain = MetricsFiles.rows(mlmRun, "train");
        List<JsonNode> mlmValid = MetricsFiles.rows(mlmRun, "valid");
        assertThat(mlmValid).hasSize(4);
        assertThat(mlmTrain.get(mlmTrain.size() - 1).get("loss").asDouble()).as("masked-token loss falls: " + mlmTrain)
                .isLessThan(0.7 * mlmTrain.get(0).get("loss").asDouble());
        // well below guessing among the 262 ids (ln 262 = 5.57): at least the byte statistics of words are learnt
        assertThat(mlm.lastValid().get("loss")).isLessThan(0.65 * Math.log(262));
        assertThat(mlm.lastValid()).containsKeys("loss", "accuracy");

        // the classifier's two steps read the reviews tokenized once by the prep verb
        Path prepped = tmp.resolve("imdb-prepped");
        List<String> prep = new ArrayList<>(List.of("prep", "--config", DEC, "--out", prepped.toString(),
                "--data.dataset_dir=" + reviews, "--data.max_seq_len=128", "--spark.master=local[2]",
                "--spark.conf.spark.ui.enabled=false"));
        assertThat(Main.run(prep.toArray(String[]::new))).isZero();
        assertThat(prepped.resolve("prep.json")).exists();
        List<String> otherLength = new ArrayList<>(List.of("train", "--config", DEC, "--data.dataset_dir=" + prepped,
                "--trainer.output_dir=" + tmp.resolve("refused"), "--model.encoder.params=null",
                "--data.max_seq_len=256", "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false"));
        ByteArrayOutputStream refused = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(refused, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(otherLength.toArray(String[]::new))).isEqualTo(2);
        } finally {
            System.setErr(stderr);
        }
        assertThat(refused.toString(StandardCharsets.UTF_8)).contains("prepared with other settings: "
                + "data.max_seq_len (prepared 128, configured 256)");
        Path decRun = tmp.resolve("dec");
        ByteArrayOutputStream decOut = new ByteArrayOutputStream();
        Trainer.Result dec = Trainer.train(config(DEC, prepped, decRun, "--model.encoder.params=" + mlmRun,
                "--model.decoder.num_output_query_channels=64", "--optimizer.lr=3e-3", "--trainer.max_epochs=2"),
                false, new PrintStream(new TeeOutputStream(System.out, decOut), true, StandardCharsets.UTF_8));
        assertThat(decOut.toString(StandardCharsets.UTF_8))
                .contains("prepared IMDb reviews at " + prepped)
                .contains("model.encoder.params: 53 tensors under 0. from checkpoint")
                .containsPattern("0  \\| 0 +\\| TextEncoder +\\| +0 \\| +[1-9][0-9,]+");
        Map<String, INDArray> mlmParams = parameters(mlm.lastCheckpoint());
        Map<String, INDArray> decParams = parameters(dec.lastCheckpoint());
        // a frozen part costs no gradient memory: DL4J's parameters (and so gradients, AdamW state and sharing's
        // residuals) are the decoder's alone; the encoder travels in the checkpoint's frozen.safetensors
        ComputationGraph decNet = Checkpoints.load(dec.lastCheckpoint(), new Configuration()).network();
        long decoderValues = decParams.entrySet().stream().filter(p -> !p.getKey().startsWith("0."))
                .mapToLong(p -> p.getValue().length()).sum();
        assertThat(decNet.params().length()).isEqualTo(decoderValues);
        assertThat(decNet.getUpdater().getStateViewArray().length()).isEqualTo(2 * decoderValues);
        assertThat(Path.of(dec.lastCheckpoint().toUri().getPath(), "frozen.safetensors")).exists();
        for (Map.Entry<String, INDArray> p : decParams.entrySet()) {
            if (p.getKey().startsWith("0.")) {
                assertThat(p.getValue()).as("frozen " + p.getKey()).isEqualTo(mlmParams.get(p.getKey()));
            }
        }

        Path allRun = tmp.resolve("all");
        Trainer.Result all = Trainer.train(config(ALL, prepped, allRun, "--model.params=" + decRun,
                "--model.decoder.num_output_query_channels=64", "--optimizer.lr=3e-3", "--trainer.max_epochs=4"),
                false, System.out);
        assertThat(all.lastValid().get("accuracy")).as("sentiment, after fine-tuning everything")
                .isGreaterThanOrEqualTo(0.85);
        Map<String, INDArray> allParams = parameters(all.lastCheckpoint());
        String embedding = "0.input_adapter.txt_embedding.weight";
        assertThat(allParams.get(embedding)).as("the encoder trains in step two").isNotEqualTo(decParams.get(embedding));
    }

    private static Map<String, INDArray> parameters(org.apache.hadoop.fs.Path checkpoint) {
        return Graphs.parameters(Checkpoints.load(checkpoint, new Configuration()).network());
    }
}
