package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.text.SyntheticWikiText;
import dev.attnspark.job.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A streamed corpus (C4's layout, {@code data.streaming=true}): a run stopped at a checkpoint and resumed sees exactly
 * the data of an uninterrupted one, across an epoch's end; and the driver's memory does not grow with the shards.
 */
class StreamingTest {
    static final String TOKENIZER = "../datasets/src/test/resources/tokenizers/tiny-unigram/spiece.model";

    /** C4's layout: {@code shards} training shards of JSON lines (gzip), one validation shard. */
    static Path c4(Path dir, int shards, int docsPerShard) throws Exception {
        Path wiki = dir.resolve("wiki");
        SyntheticWikiText.write(wiki, shards * docsPerShard, 11);
        String[] articles = Files.readString(wiki.resolve("wiki.train.raw")).split(" \n = (?=[A-Z])");
        Path en = Files.createDirectories(dir.resolve("c4/en"));
        ObjectMapper json = new ObjectMapper();
        int a = 1;
        for (int s = 0; s < shards; s++) {
            StringBuilder sb = new StringBuilder();
            for (int d = 0; d < docsPerShard && a < articles.length; d++, a++) {
                sb.append(json.writeValueAsString(java.util.Map.of("text", " = " + articles[a].trim(),
                        "timestamp", "2019-04-25T12:57:54Z", "url", "https://example.org/" + a))).append('\n');
            }
            gzip(en.resolve(String.format("c4-train.%05d-of-01024.json.gz", s)), sb.toString());
        }
        gzip(en.resolve("c4-validation.00000-of-00008.json.gz"), json.writeValueAsString(java.util.Map.of("text",
                Files.readString(wiki.resolve("wiki.valid.raw")))) + "\n");
        return dir.resolve("c4");
    }

    private static List<String> args(Path data, Path out, long maxSteps) {
        return new ArrayList<>(List.of("train", "--config", "../conf/perceiver-ar-clm-c4-455m.yaml",
                "--data.dataset_dir=" + data, "--data.tokenizer=" + TOKENIZER, "--trainer.output_dir=" + out,
                "--trainer.strategy=single", "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false",
                "--data.max_seq_len=64", "--data.min_seq_len=32", "--model.max_latents=16",
                "--model.num_channels=32", "--model.num_heads=2", "--model.num_self_attention_layers=1",
                "--model.max_heads_parallel=null", "--data.batch_size=4", "--data.shuffle_window_size=5",
                "--data.concat_batch_size=4", "--trainer.max_steps=" + maxSteps,
                "--lr_scheduler.name=ConstantWithWarmupLR", "--lr_scheduler.warmup_steps=0",
                "--trainer.val_check_interval=null", "--trainer.limit_val_batches=2", "--trainer.log_every_n_steps=5",
                "--trainer.checkpoint_every_n_steps=10"));
    }

    @Test
    void resumedStreamingRunSeesTheDataOfAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        Path data = c4(tmp, 3, 8);
        Path straight = tmp.resolve("straight"), resumed = tmp.resolve("resumed");
        assertEquals(0, Main.run(args(data, straight, 60).toArray(String[]::new)));
        assertEquals(0, Main.run(args(data, resumed, 20).toArray(String[]::new)));
        JsonNode at20 = new ObjectMapper().readTree(resumed.resolve("checkpoints/step-00000020/state.json").toFile());
        assertThat(at20.get("streams")).hasSize(1);
        List<String> resume = args(data, resumed, 60);
        resume.add(1, "--resume");
        assertEquals(0, Main.run(resume.toArray(String[]::new)));

        List<JsonNode> a = MetricsFiles.rows(straight, "train"), b = MetricsFiles.rows(resumed, "train");
        assertThat(a.get(a.size() - 1).get("epoch").asInt()).as("the run crosses an epoch's end").isGreaterThan(0);
        assertThat(b).extracting(r -> r.get("step").asLong())
                .isEqualTo(a.stream().map(r -> r.get("step").asLong()).toList());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("epoch").asInt(), b.get(i).get("epoch").asInt());
            assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(),
                    1e-5 * Math.abs(a.get(i).get("loss").asDouble()), "loss at step " + a.get(i).get("step"));
        }
        JsonNode sa = new ObjectMapper().readTree(straight.resolve("checkpoints/step-00000060/state.json").toFile());
        JsonNode sb = new ObjectMapper().readTree(resumed.resolve("checkpoints/step-00000060/state.json").toFile());
        assertEquals(sa.get("streams"), sb.get("streams"));
        double va = MetricsFiles.rows(straight, "valid").get(0).get("loss").asDouble();
        double vb = MetricsFiles.rows(resumed, "valid").get(1).get("loss").asDouble();
        assertEquals(va, vb, 1e-5 * va, "the same model after the same data");
    }

    /** Planning and one round of a streamed run: the driver's heap after them with 4 and with 64 shards. */
    @Test
    void driverMemoryDoesNotGrowWithTheShards(@TempDir Path tmp) throws Exception {
        long[] used = new long[2];
        int i = 0;
        for (int shards : new int[] {4, 64}) {
            Path data = c4(tmp.resolve("s" + shards), shards, 4);
            Path run = tmp.resolve("run" + shards);
            assertEquals(0, Main.run(args(data, run, 4).toArray(String[]::new)));
            System.gc();
            Thread.sleep(200);
            System.gc();
            used[i++] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
        long growth = used[1] - used[0];
        System.out.printf("driver heap after a streamed run: %,d bytes with 4 shards, %,d with 64%n", used[0], used[1]);
        assertThat(growth).as("heap growth from 4 to 64 shards").isLessThan(8L << 20);
    }

    private static void gzip(Path file, String text) throws Exception {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
