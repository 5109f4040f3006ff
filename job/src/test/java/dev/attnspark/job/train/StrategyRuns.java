package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Spark local[2] runs of the strategy tests and what a successful run leaves behind. */
final class StrategyRuns {
    private StrategyRuns() {}

    /** Two workers of batch 32 on the generated digits, dropout off (learning speed is the point). */
    static String[] overrides(String strategy, int epochs) {
        return new String[] {"--trainer.strategy=" + strategy, "--spark.master=local[2]", "--data.batch_size=32",
                "--optimizer.lr=2e-3", "--trainer.max_epochs=" + epochs, "--trainer.log_every_n_steps=20",
                "--trainer.checkpoint_every_n_steps=0", "--model.encoder.dropout=0.0", "--model.decoder.dropout=0.0"};
    }

    static void assertLearned(Path run, Trainer.Result r, int epochs) throws IOException {
        List<JsonNode> train = MetricsFiles.rows(run, "train");
        List<JsonNode> valid = MetricsFiles.rows(run, "valid");
        double best = valid.stream().mapToDouble(v -> v.get("accuracy").asDouble()).max().orElse(0);
        assertThat(best).as("validation accuracy reached (per epoch: " + valid + ")").isGreaterThanOrEqualTo(0.90);
        assertThat(r.lastValid().get("accuracy")).as("no collapse at the end").isGreaterThanOrEqualTo(0.80);
        assertThat(valid).hasSize(epochs);
        assertThat(valid.get(epochs - 1).get("loss").asDouble()).isLessThan(valid.get(0).get("loss").asDouble());
        assertThat(train).isNotEmpty().allSatisfy(row -> {
            assertThat(row.has("epoch") && row.has("step") && row.has("lr")).isTrue();
            assertThat(row.get("loss").isNumber()).as("train loss in " + row).isTrue();
            assertThat(row.get("accuracy").isNumber()).as("train accuracy in " + row).isTrue();
        });
        assertThat(train.get(train.size() - 1).get("loss").asDouble()).isLessThan(train.get(0).get("loss").asDouble());
        assertThat(run.resolve("config.yaml")).exists();
        assertThat(Files.list(run.resolve("checkpoints")).toList()).isNotEmpty();
    }
}
