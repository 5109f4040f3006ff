package dev.attnspark.job.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.ResumePolicy;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model as a configuration describes.",
                "Any configuration key can be overridden: --model.encoder.num_cross_attention_layers=2 --optimizer.lr=1e-3",
                "With --resume the checkpoint's configuration governs; only these keys may change: "
                        + "${sys:attnspark.resumable}."},
        footer = {"", "Keys and defaults: train --config FILE --print_config; described in docs/configuration.md."})
final class TrainCommand implements Callable<Integer> {
    static {
        System.setProperty("attnspark.resumable", ResumePolicy.describe(ResumePolicy.MAY_CHANGE_ON_RESUME));
    }

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML run configuration (with --resume: optional, the checkpoint's is used)")
    String config;

    @Option(names = "--resume", description = "continue from the newest intact checkpoint in trainer.output_dir")
    boolean resume;

    @Option(names = "--print_config", description = "print the resolved configuration, every key with its value "
            + "or default, and exit")
    boolean printConfig;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        JobConfig cfg = resume ? resumed() : ConfigLoader.load(required(config), overrides, Tasks.ALL);
        if (printConfig) {
            System.out.print(cfg.toYaml());
            return 0;
        }
        Trainer trainer = new Trainer(cfg, resume, System.out);
        Trainer.Result r = Interrupts.whileRunning(trainer::run, trainer::interruptedMessage);
        return r != null ? 0 : 1;
    }

    private static String required(String config) {
        if (config == null) {
            throw new ConfigException("--config FILE is required (or --resume with --trainer.output_dir=RUN)");
        }
        return config;
    }

    /** The checkpoint's configuration with the overrides that may change on resume (see {@link ResumePolicy}). */
    private JobConfig resumed() {
        ObjectNode requested = config != null ? ConfigLoader.read(config) : ConfigLoader.parse("{}", "overrides");
        ConfigLoader.applyOverrides(requested, overrides);
        String outputDir = requested.path("trainer").path("output_dir").asText(null);
        if (outputDir == null) {
            throw new ConfigException("--resume needs the run: --trainer.output_dir=RUN (or --config with it)");
        }
        RunDir run = new RunDir(outputDir, HadoopConf.of(requested));
        ObjectNode checkpoint = ConfigLoader.parse(new Checkpoints(run).newestConfigYaml().orElseThrow(() ->
                new ConfigException("--resume: no checkpoint in " + run.path(Checkpoints.DIR) + "; start the run "
                        + "without --resume")), run.path(Checkpoints.DIR) + "/.../config.yaml");
        if (config == null) {
            requested = checkpoint.deepCopy();
            ConfigLoader.applyOverrides(requested, overrides);
        }
        return ResumePolicy.apply(checkpoint, requested, Tasks.ALL, ResumePolicy.MAY_CHANGE_ON_RESUME,
                "train --resume");
    }
}
