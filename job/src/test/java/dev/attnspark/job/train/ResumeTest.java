package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.job.cli.Main;
import dev.attnspark.job.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run killed with kill -9 after a checkpoint and resumed with {@code train --resume} continues exactly where the
 * checkpoint left off: same steps, same data, same dropout masks, same losses as an uninterrupted run.
 */
class ResumeTest {

    private static List<String> args(Path digits, Path out) {
        List<String> a = new ArrayList<>(List.of("train", "--config", TestRuns.EXAMPLE,
                "--data.dataset_dir=" + digits, "--trainer.output_dir=" + out, "--trainer.strategy=single",
                "--spark.master=local[2]", "--data.batch_size=32", "--trainer.max_steps=60",
                "--trainer.log_every_n_steps=10", "--trainer.checkpoint_every_n_steps=20", "--data.num_partitions=3"));
        a.addAll(TestRuns.SMALL_MODEL); // dropout stays 0.1, as in the example
        return a;
    }

    @Test
    void resumedRunMatchesUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 1500, 200);

        Path straight = tmp.resolve("straight");
        assertEquals(0, Main.run(args(digits, straight).toArray(String[]::new)));

        Path interrupted = tmp.resolve("interrupted");
        Process p = ChildJvm.start(tmp.resolve("child.log"), Main.class.getName(),
                args(digits, interrupted).toArray(String[]::new));
        Path firstCheckpoint = interrupted.resolve("checkpoints/step-00000020");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(firstCheckpoint) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(firstCheckpoint).as("checkpoint of the run to interrupt; log in " + tmp.resolve("child.log")).exists();
        ChildJvm.kill(p);
        assertThat(interrupted.resolve("checkpoints/step-00000060")).as("killed before the end").doesNotExist();

        List<String> resume = args(digits, interrupted);
        resume.add(1, "--resume");
        assertEquals(0, Main.run(resume.toArray(String[]::new)));

        List<JsonNode> a = MetricsFiles.rows(straight, "train");
        List<JsonNode> b = MetricsFiles.rows(interrupted, "train");
        // rows every 10 steps and at the end of the epoch (1500 examples = 47 batches)
        assertThat(a).extracting(r -> r.get("step").asLong()).containsExactly(10L, 20L, 30L, 40L, 47L, 50L, 60L);
        assertThat(b).extracting(r -> r.get("step").asLong()).containsExactly(10L, 20L, 30L, 40L, 47L, 50L, 60L);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("step").asLong(), b.get(i).get("step").asLong());
            assertEquals(a.get(i).get("epoch").asLong(), b.get(i).get("epoch").asLong());
            assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(),
                    1e-5 * Math.abs(a.get(i).get("loss").asDouble()), "loss at step " + a.get(i).get("step"));
        }
        JsonNode va = MetricsFiles.rows(straight, "valid").get(0), vb = MetricsFiles.rows(interrupted, "valid").get(0);
        assertEquals(va.get("loss").asDouble(), vb.get("loss").asDouble(), 1e-5 * va.get("loss").asDouble());
    }
}
