package dev.attnspark.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's executor killed (kill -9) during gradient sharing across the namespace hosts
 * ({@code deploy/standalone/run-executor-loss}): the run either completes, or stops with an error that points to
 * {@code train --resume}, and the resumed run finishes from the last checkpoint (at most one checkpoint interval of
 * 20 steps lost).
 */
class ExecutorLossIT {
    private static final Pattern SUMMARY = Pattern.compile(
            "killed=(\\S+) first_run_exit=(\\d+) resumed_from_step=(\\S+) final_step=(\\S+) valid_accuracy=(\\S+)");

    @Test
    void runSurvivesALostExecutorOrResumesFromTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        String out = KitScript.run("run-executor-loss", tmp, 3000);

        Matcher m = SUMMARY.matcher(out);
        assertThat(m.find()).as("summary line in:\n%s", out).isTrue();
        assertThat(m.group(1)).as("an executor was killed").isEqualTo("h1");
        assertThat(m.group(4)).as("the run reached its last step").isEqualTo("48");
        if (!m.group(2).equals("0")) {
            // stopped: with one line that says how to continue, and resumed from a checkpoint at most one
            // interval (20 steps) before the kill, which came after step 20
            assertThat(m.group(2)).isEqualTo("1");
            assertThat(out).contains("error: the training round from step").contains("train --resume");
            assertThat(Integer.parseInt(m.group(3))).isBetween(20, 48);
        }
        assertThat(m.group(5)).as("the final model was validated").matches("[0-9.]+");
    }
}
