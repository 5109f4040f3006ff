package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.job.train.log.TensorBoardWriter;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a run leaves for its user besides the model: the model summary and run summary, TensorBoard scalars, the
 * curves, the best checkpoint kept beside the newest, and early stopping.
 */
class RunOutputsTest {

    @Test
    void earlyStoppingBestCheckpointTensorBoardCurvesAndSummaries(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 300, 100);
        Path run = tmp.resolve("run");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // min_delta 100: no validation after the first counts as an improvement, so patience 1 stops after two
        Trainer.Result r = Trainer.train(TestRuns.config(digits, run, "--trainer.strategy=single",
                "--spark.master=local[2]", "--data.batch_size=32", "--trainer.max_epochs=6",
                "--trainer.log_every_n_steps=5", "--trainer.keep_checkpoints=1",
                "--trainer.checkpoint.monitor=val_loss", "--trainer.early_stopping.monitor=val_loss",
                "--trainer.early_stopping.patience=1", "--trainer.early_stopping.min_delta=100",
                "--trainer.logger=TensorBoardLogger", "--trainer.logger.name=tb"), false,
                new PrintStream(printed, true));
        String out = printed.toString();
        System.out.print(out);

        assertThat(r.stopReason()).startsWith("early stopping: val_loss did not improve by more than 100.0 in 1 "
                + "validations (best");
        List<JsonNode> valid = MetricsFiles.rows(run, "valid");
        assertThat(valid).extracting(v -> v.get("step").asLong()).containsExactly(10L, 20L);
        assertEquals(20, r.steps());

        // the newest checkpoint, and the one with the lowest val_loss if that is another
        JsonNode best = valid.stream().min(Comparator.comparingDouble(v -> v.get("loss").asDouble())).orElseThrow();
        Set<String> expected = new TreeSet<>(List.of("step-00000020",
                String.format("step-%08d", best.get("step").asLong())));
        Set<String> kept;
        try (Stream<Path> files = Files.list(run.resolve("checkpoints"))) {
            kept = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expected, kept);

        assertThat(out).contains("model perceiver-io-image-classifier:").contains("PerceiverEncoder")
                .contains("PerceiverDecoder").contains("362,603 trainable params, 0 frozen")
                .contains("epoch 0/5").contains("done: 20 steps").contains("best validation: val_loss")
                .contains("curves").contains("tensorboard").contains("best by val_loss");

        Path version = run.resolve("tb/version_0");
        Path events;
        try (Stream<Path> files = Files.list(version)) {
            events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).findFirst()
                    .orElseThrow();
        }
        List<TensorBoardWriter.Scalar> scalars = TensorBoardWriter.read(
                new org.apache.hadoop.fs.Path(events.toString()), new Configuration());
        assertThat(scalars).extracting(TensorBoardWriter.Scalar::tag)
                .contains("train_loss", "train_acc", "lr", "samples_per_s", "val_loss", "val_acc");
        List<TensorBoardWriter.Scalar> valLoss = scalars.stream().filter(s -> s.tag().equals("val_loss")).toList();
        assertThat(valLoss).extracting(TensorBoardWriter.Scalar::step).containsExactly(10L, 20L);
        for (int i = 0; i < 2; i++) {
            assertEquals(valid.get(i).get("loss").asDouble(), valLoss.get(i).value(), 1e-6);
        }
        List<JsonNode> train = MetricsFiles.rows(run, "train");
        assertThat(scalars.stream().filter(s -> s.tag().equals("train_loss")).map(TensorBoardWriter.Scalar::step))
                .containsExactlyElementsOf(train.stream().map(t -> t.get("step").asLong()).toList());

        BufferedImage curves = ImageIO.read(run.resolve("curves.png").toFile());
        assertThat(curves).as("curves.png").isNotNull();
        assertThat(curves.getWidth()).isEqualTo(1200);
    }
}
