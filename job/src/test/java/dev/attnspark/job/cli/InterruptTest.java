package dev.attnspark.job.cli;

import dev.attnspark.job.testing.ChildJvm;
import dev.attnspark.job.train.TestRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ctrl-C (SIGINT) during training: exit code 130, one line saying where the run stood, and the run resumes. */
class InterruptTest {

    @Test
    void ctrlCSaysHowToContinueAndTheRunResumes(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 600, 100);
        Path run = tmp.resolve("run");
        List<String> args = new ArrayList<>(List.of("train", "--config", TestRuns.EXAMPLE,
                "--data.dataset_dir=" + digits, "--trainer.output_dir=" + run, "--trainer.strategy=single",
                "--spark.master=local[2]", "--data.batch_size=32", "--trainer.max_steps=200",
                "--trainer.log_every_n_steps=2", "--trainer.checkpoint_every_n_steps=2"));
        args.addAll(TestRuns.SMALL_MODEL);
        Path log = tmp.resolve("child.log");
        Process p = ChildJvm.start(log, Main.class.getName(), args.toArray(String[]::new));
        Path first = run.resolve("checkpoints/step-00000002");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(first) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(first).as("a checkpoint before the interrupt; log in " + log).exists();
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits after Ctrl-C").isTrue();
        assertEquals(130, p.exitValue());
        String output = Files.readString(log);
        assertThat(output).containsPattern("interrupted at step \\d+; continue with train --resume "
                + "--trainer.output_dir=" + java.util.regex.Pattern.quote(run.toString()) + " \\(from the checkpoint at "
                + "step-\\d{8}\\)");
        assertThat(output).doesNotContain("Exception");

        List<String> resume = new ArrayList<>(List.of("train", "--resume", "--trainer.output_dir=" + run,
                "--trainer.max_steps=12"));
        assertEquals(0, Main.run(resume.toArray(String[]::new)));
        assertThat(run.resolve("checkpoints/step-00000012")).exists();
    }
}
