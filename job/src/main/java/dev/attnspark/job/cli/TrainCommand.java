package dev.attnspark.job.cli;

import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Trainer;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "train", description = {"Train a model as a configuration describes.",
        "Any configuration key can be overridden: --model.encoder.num_cross_attention_layers=2 --optimizer.lr=1e-3"})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", description = "YAML run configuration (with --resume: defaults to the run's config.yaml)")
    String config;

    @Option(names = "--resume", description = "continue from the newest checkpoint in trainer.output_dir")
    boolean resume;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        JobConfig cfg = ConfigLoader.load(configFile(config, resume, overrides), overrides, Tasks.ALL);
        Trainer.Result r = Trainer.train(cfg, resume, System.out);
        System.out.println("done: " + r.steps() + " steps, last checkpoint " + r.lastCheckpoint());
        return 0;
    }

    /** The configuration to read: --config, or with --resume the run's own config.yaml. */
    static String configFile(String config, boolean resume, List<String> overrides) {
        if (config != null) {
            return config;
        }
        if (resume) {
            for (String o : overrides) {
                if (o.startsWith("--trainer.output_dir=")) {
                    String dir = o.substring("--trainer.output_dir=".length());
                    return new RunDir(dir, new Configuration()).path("config.yaml").toString();
                }
            }
        }
        throw new ConfigException("--config is required (or --resume with --trainer.output_dir=RUN)");
    }
}
