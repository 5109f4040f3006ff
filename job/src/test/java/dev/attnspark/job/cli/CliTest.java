package dev.attnspark.job.cli;

import dev.attnspark.job.train.TestRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.attnspark.job.testing.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The verbs as users run them: exit codes, what they print, and that bad input leaves nothing behind. */
class CliTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/perceiver-io-img-clf-mnist");
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void referenceCheckPassesOnTheUpstreamFixtureAndFailsOnATamperedOne(@TempDir Path tmp) throws Exception {
        assertEquals(0, Main.run("reference-check", "--model-type", "perceiver-io-image-classifier",
                "--dir", FIXTURE.toString()));
        assertThat(console.out()).contains("PASS: 156 tensors compared, 0 outside tolerance");

        // the same fixture with one weight changed: outputs and gradients no longer match
        Path tampered = tmp.resolve("tampered");
        Files.createDirectories(tampered);
        for (String f : List.of("config.json", "io.safetensors", "model.safetensors")) {
            Files.copy(FIXTURE.resolve(f), tampered.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        byte[] model = Files.readAllBytes(tampered.resolve("model.safetensors"));
        for (int i = model.length - 4000; i < model.length - 3000; i++) {
            model[i] ^= 0x40;
        }
        Files.write(tampered.resolve("model.safetensors"), model);
        assertEquals(1, Main.run("reference-check", "--model-type", "perceiver-io-image-classifier",
                "--dir", tampered.toString()));
        assertThat(console.out()).contains("FAIL");
    }

    @Test
    void unknownModelTypeAndMissingFixtureAreOneLineErrors(@TempDir Path tmp) {
        assertEquals(2, Main.run("reference-check", "--model-type", "perceiver-io-image-classifier",
                "--dir", tmp.resolve("nothing").toString()));
        assertThat(console.err()).contains("error:").contains("nothing");
    }

    @Test
    void corruptDatasetFailsCleanlyWithoutWritingARun(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 200, 50);
        byte[] gz = Files.readAllBytes(digits.resolve("train-images-idx3-ubyte.gz"));
        Files.write(digits.resolve("train-images-idx3-ubyte.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        Path run = tmp.resolve("run");
        int code = Main.run(trainArgs(digits, run, "--trainer.strategy=single").toArray(String[]::new));
        assertEquals(2, code);
        assertThat(console.err()).contains("error:").contains("train-images-idx3-ubyte.gz");
        assertThat(run).doesNotExist();
    }

    @Test
    void badConfigurationKeyFailsBeforeAnythingStarts(@TempDir Path tmp) {
        int code = Main.run("train", "--config", TestRuns.EXAMPLE, "--model.encoder.num_cross_attn_layers=2",
                "--trainer.output_dir=" + tmp.resolve("run"));
        assertEquals(2, code);
        assertThat(console.err()).contains("unknown configuration key 'model.encoder.num_cross_attn_layers'");
    }

    @Test
    void evaluatePrintsTheValidationTableOfACheckpoint(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 300, 100);
        Path run = tmp.resolve("run");
        assertEquals(0, Main.run(trainArgs(digits, run, "--trainer.strategy=single", "--trainer.max_steps=5")
                .toArray(String[]::new)));
        console.resetOut();
        assertEquals(0, Main.run("evaluate", "--checkpoint", run.toString(), "--spark.master=local[2]"));
        assertThat(console.out()).contains("Validate metric").contains("val_loss").contains("val_acc")
                .contains("step 5");
    }

    @Test
    void refusesToOverwriteARunWithoutResume(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 300, 100);
        Path run = tmp.resolve("run");
        List<String> args = trainArgs(digits, run, "--trainer.strategy=single", "--trainer.max_steps=2");
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        assertEquals(2, Main.run(args.toArray(String[]::new)));
        assertThat(console.err()).contains("already holds checkpoints").contains("--resume");
    }

    private static List<String> trainArgs(Path digits, Path run, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--config", TestRuns.EXAMPLE, "--data.dataset_dir=" + digits,
                "--trainer.output_dir=" + run, "--spark.master=local[2]", "--data.batch_size=32"));
        a.addAll(TestRuns.SMALL_MODEL);
        a.addAll(List.of(extra));
        return a;
    }
}
