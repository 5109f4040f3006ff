package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gradient sharing with one trainer per executor (a one-GPU executor, one model replica): DL4J 1.0.0-M2 reset the
 * trainer's step count for every Spark task, so with a warm-up and a task per batch ({@code spark.repartition=per_batch})
 * its learning rate stayed 0 and the driver's model never changed (val_acc 0.100 -> 0.100, the same loss to the last
 * digit, measured with the listener removed); with {@code KeepIterationCount} it learns.
 */
class OneTrainerSharedTest {

    @Test
    void oneTrainerPerExecutorLearns(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 1500, 300);
        Path run = tmp.resolve("run");
        List<String> o = new ArrayList<>(List.of(StrategyRuns.overrides("shared", 2)));
        o.add("--spark.master=local[1]");
        o.add("--spark.workers_per_node=1");
        o.add("--spark.repartition=per_batch"); // a Spark task per batch: the step count was reset before each
        o.add("--lr_scheduler.warmup_steps=20");
        Trainer.Result r = Trainer.train(TestRuns.config(digits, run, o.toArray(String[]::new)), false, System.out);
        List<JsonNode> valid = MetricsFiles.rows(run, "valid");
        assertThat(valid).hasSize(2);
        double first = valid.get(0).get("accuracy").asDouble(), last = r.lastValid().get("accuracy");
        double lossBefore = valid.get(0).get("loss").asDouble(), lossAfter = valid.get(1).get("loss").asDouble();
        System.out.printf("one trainer per executor: val_acc %.3f -> %.3f, val_loss %.4f -> %.4f%n", first, last,
                lossBefore, lossAfter);
        // without the fix every task trained at step 0 of the warm-up (lr 0): both validations were those of the
        // initial model, to the last digit
        assertThat(lossAfter).isLessThan(lossBefore - 0.02);
        assertThat(last).isGreaterThan(first);
    }
}
