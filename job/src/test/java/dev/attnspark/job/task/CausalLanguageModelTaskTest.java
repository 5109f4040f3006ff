package dev.attnspark.job.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.text.ClmExample;
import dev.attnspark.datasets.text.PerceiverTokenizer;
import dev.attnspark.datasets.text.SyntheticWikiText;
import dev.attnspark.job.cli.Main;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.train.Optimizers;
import dev.attnspark.job.train.Trainer;
import dev.attnspark.job.train.optim.WarmupSchedule;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Perceiver AR causal language modelling on WikiText-layout text: batches, accumulation, learning, generation. */
class CausalLanguageModelTaskTest {
    static final String CONF = "../conf/perceiver-ar-clm-wikitext103.yaml";
    /** Model 1's shape, shrunk: 256 bytes with 64 latents, 128 channels, 2 self-attention layers. */
    static final List<String> TINY = List.of("--data.max_seq_len=256", "--model.max_latents=64",
            "--model.num_channels=128", "--model.num_heads=4", "--model.num_self_attention_layers=2",
            "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false");

    static JobConfig config(Path data, Path run, String... more) {
        List<String> o = new ArrayList<>(TINY);
        o.add("--data.dataset_dir=" + data);
        o.add("--trainer.output_dir=" + run);
        o.addAll(List.of(more));
        return ConfigLoader.load(CONF, o, Tasks.ALL);
    }

    @Test
    void batchesArePaddedOnTheLeftAndLabelledWithTheNextTokens() {
        List<ClmExample> examples = List.of(new ClmExample(0, new int[] {10, 11, 12, 13, 14}, null),
                new ClmExample(1, new int[] {20, 21, 22}, null));
        Batch b = CausalLanguageModelTask.batch(examples, 0, false, 0, PerceiverTokenizer.PAD);
        assertThat(b.get("input_ids").toIntMatrix()).isEqualTo(new int[][] {{10, 11, 12, 13}, {0, 0, 20, 21}});
        assertThat(b.labels().toIntMatrix()).isEqualTo(new int[][] {{11, 12, 13, 14}, {-100, -100, 21, 22}});
        assertThat(b.get("pad_mask").toIntMatrix()).isEqualTo(new int[][] {{0, 0, 0, 0}, {1, 1, 0, 0}});
    }

    /** The shift of a training example depends on the seed, the epoch and the chunk only (resume sees the same). */
    @Test
    void randomShiftsAreDrawnPerEpochAndChunk() {
        int[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, next = {13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
        List<ClmExample> ex = List.of(new ClmExample(5, a, next));
        List<String> rows = new ArrayList<>();
        for (int epoch = 0; epoch < 6; epoch++) {
            INDArray ids = CausalLanguageModelTask.batch(ex, epoch, true, 7, 0).get("input_ids");
            assertThat(CausalLanguageModelTask.batch(ex, epoch, true, 7, 0).get("input_ids")).isEqualTo(ids);
            int shift = CausalLanguageModelTask.shiftOf(7, epoch, 5, a.length);
            assertThat(ids.getInt(0, 0)).isEqualTo(1 + shift);
            rows.add(ids.toString());
        }
        assertThat(rows.stream().distinct().count()).as("shifts differ between epochs").isGreaterThan(1);
        assertThat(CausalLanguageModelTask.batch(ex, BatchMaker.VALIDATION, false, 7, 0).get("input_ids").getInt(0, 0))
                .isEqualTo(1);
    }

    /** Two micro-batches of 4 give the gradient of one batch of 8 (equal token counts), up to float error. */
    @Test
    void accumulatedMicroBatchesGiveTheLargerBatchsGradient(@TempDir Path tmp) {
        sameGradient(config(tmp, tmp.resolve("a"), "--model.cross_attention_dropout=0.0", "--data.max_seq_len=64",
                "--model.max_latents=16"), config(tmp, tmp.resolve("b"), "--model.cross_attention_dropout=0.0",
                "--data.max_seq_len=64", "--model.max_latents=16", "--trainer.accumulate_grad_batches=2"));
    }

    /**
     * Activation checkpointing in the model layer's step workspace (as training runs it): the same loss and gradient,
     * dropout included.
     */
    @Test
    void activationCheckpointingGivesThePlainGradient(@TempDir Path tmp) {
        List<String> shape = List.of("--data.max_seq_len=64", "--model.max_latents=16",
                "--model.post_attention_dropout=0.1");
        List<String> on = new ArrayList<>(shape);
        on.add("--model.activation_checkpointing=true");
        sameGradient(config(tmp, tmp.resolve("a"), shape.toArray(String[]::new)),
                config(tmp, tmp.resolve("b"), on.toArray(String[]::new)));
    }

    private static void sameGradient(JobConfig one, JobConfig two) {
        Batch batch = new CausalLanguageModelTask().modelType().randomBatch(
                (dev.attnspark.job.model.perceiverar.CausalLanguageModelConfig) one.model(), 8, 3);
        INDArray[] grads = new INDArray[2];
        double[] scores = new double[2];
        int i = 0;
        for (JobConfig cfg : List.of(one, two)) {
            ComputationGraph net = new ComputationGraph(Optimizers.graph(Tasks.ALL.get(cfg.task()), cfg,
                    WarmupSchedule.constant(1e-3, 0)));
            net.init();
            net.setInputs(batch.toMultiDataSet(List.of("input_ids", "pad_mask")).getFeatures());
            net.setLabels(batch.labels());
            net.computeGradientAndScore();
            grads[i] = net.gradient().gradient().dup();
            scores[i++] = net.score();
        }
        assertThat(scores[1]).isCloseTo(scores[0], org.assertj.core.data.Offset.offset(1e-5));
        double err = grads[1].sub(grads[0]).amaxNumber().doubleValue() / grads[0].amaxNumber().doubleValue();
        assertThat(err).isLessThan(1e-5);
        assertThat(grads[0].amaxNumber().doubleValue()).isGreaterThan(0);
    }

    /** {@code prep} writes the chunks once; a run reading them gets the chunks it would have cut itself. */
    @Test
    void preparedSequencesAreTheChunksOfTheRawText(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("wikitext");
        SyntheticWikiText.write(data, 40, 2);
        Path prepared = tmp.resolve("prepared");
        assertThat(Main.run(new String[] {"prep", "--config", CONF, "--data.dataset_dir=" + data,
                "--data.max_seq_len=64", "--model.max_latents=16", "--out", prepared.toString(),
                "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false"})).isZero();
        CausalLanguageModelTask task = new CausalLanguageModelTask();
        try (org.apache.spark.api.java.JavaSparkContext sc = new org.apache.spark.api.java.JavaSparkContext(
                new org.apache.spark.SparkConf().setMaster("local[2]").setAppName("t").set("spark.ui.enabled",
                        "false"))) {
            List<String> rows = new ArrayList<>();
            for (Path dir : List.of(data, prepared)) {
                JobConfig cfg = config(dir, tmp.resolve("run"), "--data.max_seq_len=64", "--model.max_latents=16");
                TaskData<ClmExample> d = task.data(sc, cfg, 3, true);
                rows.add(d.valid().map(e -> e.index() + ":" + java.util.Arrays.toString(e.ids())).collect()
                        + "|" + d.train().count());
            }
            assertThat(rows.get(1)).isEqualTo(rows.get(0));
        }
    }

    /**
     * A small model learns the text: bits per byte end well below the text's unigram entropy; validation runs every
     * 100 steps (and at the end of the epoch); greedy generation from the trained checkpoint is text, and the same twice.
     */
    @Test
    void learnsWikiTextAndGenerates(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("wikitext");
        SyntheticWikiText.write(data, 600, 5);
        Path run = tmp.resolve("run");
        JobConfig cfg = config(data, run, "--trainer.strategy=single", "--data.batch_size=8",
                "--trainer.accumulate_grad_batches=1", "--trainer.max_steps=300", "--lr_scheduler.warmup_steps=20",
                "--optimizer.lr=3e-3", "--model.cross_attention_dropout=0.1", "--trainer.val_check_interval=100",
                "--trainer.limit_val_batches=8", "--trainer.log_every_n_steps=50");
        Trainer.Result r = Trainer.train(cfg, false, System.out);
        double unigram = unigramBits(Files.readAllBytes(data.resolve("wiki.valid.raw")));
        List<JsonNode> valid = validRows(run);
        long epochEnd = valid.get(2).get("step").asLong(); // and at the end of epoch 0, between 200 and 300
        assertThat(valid).extracting(v -> v.get("step").asLong()).containsExactly(100L, 200L, epochEnd, 300L);
        assertThat(epochEnd).isBetween(201L, 299L);
        double first = valid.get(0).get("bits_per_byte").asDouble(), last = r.lastValid().get("bits_per_byte");
        System.out.printf("unigram entropy %.3f bits/byte; validation %.3f -> %.3f%n", unigram, first, last);
        assertThat(last).isLessThan(0.6 * unigram).isLessThan(first);
        assertThat(last).isCloseTo(r.lastValid().get("loss") / Math.log(2), org.assertj.core.data.Offset.offset(1e-9));

        String prompt = Files.readString(data.resolve("wiki.valid.raw")).substring(0, 300);
        String a = generate(run, prompt), b = generate(run, prompt);
        assertThat(a).isEqualTo(b).startsWith(prompt);
        String continuation = a.substring(prompt.length());
        assertThat(continuation).hasSizeGreaterThan(50);
        assertThat(continuation.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(continuation.length());
        assertThat(continuation).containsPattern("[a-z]{3}");
    }

    private static String generate(Path run, String prompt) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.run(new String[] {"generate", "--checkpoint", run.toString(), "--prompt", prompt,
                    "--max_new_tokens", "120"})).isZero();
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    private static List<JsonNode> validRows(Path run) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<String> lines = Files.lines(run.resolve("metrics.jsonl"))) {
            for (String l : lines.toList()) {
                JsonNode n = json.readTree(l);
                if (n.get("split").asText().equals("valid")) {
                    rows.add(n);
                }
            }
        }
        return rows;
    }

    static double unigramBits(byte[] text) {
        long[] counts = new long[256];
        for (byte b : text) {
            counts[b & 0xff]++;
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / text.length;
                h -= p * Math.log(p) / Math.log(2);
            }
        }
        return h;
    }
}
