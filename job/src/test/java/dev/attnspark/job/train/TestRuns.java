package dev.attnspark.job.train;

import dev.attnspark.datasets.mnist.SyntheticDigits;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.Tasks;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Training runs for tests: the shipped MNIST example, shrunk through its own configuration keys. */
public final class TestRuns {
    public static final String EXAMPLE = "../conf/perceiver-io-img-clf-mnist.yaml";

    /** A Perceiver IO classifier small enough to learn the generated digits in a minute or two on 2 cores. */
    public static final List<String> SMALL_MODEL = List.of(
            "--model.num_latents=16", "--model.num_latent_channels=128",
            "--model.encoder.num_frequency_bands=16", "--model.encoder.num_cross_attention_layers=1",
            "--model.encoder.num_self_attention_blocks=1", "--model.encoder.num_self_attention_layers_per_block=2",
            "--model.encoder.num_self_attention_heads=8", "--model.decoder.num_output_query_channels=128",
            "--lr_scheduler.warmup_steps=20", "--spark.conf.spark.ui.enabled=false");

    private TestRuns() {}

    /** Writes generated digits (real IDX files) once per folder. */
    public static Path digits(Path dir, int train, int test) throws IOException {
        if (!Files.exists(dir.resolve("t10k-labels-idx1-ubyte.gz"))) {
            SyntheticDigits.write(dir.toString(), train, test, 7, new Configuration());
        }
        return dir;
    }

    public static JobConfig config(Path digits, Path out, String... overrides) {
        List<String> all = new ArrayList<>(SMALL_MODEL);
        all.add("--data.dataset_dir=" + digits);
        all.add("--trainer.output_dir=" + out);
        all.addAll(Arrays.asList(overrides));
        return ConfigLoader.load(EXAMPLE, all, Tasks.ALL);
    }
}
