package dev.attnspark.job.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.ResumePolicy;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Evaluation;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Validate a checkpoint and print the validation table.",
                "The checkpoint's own configuration is used; data and Spark keys can be overridden (e.g. "
                        + "--data.dataset_dir=... to evaluate on another folder, which may hold only the test split)."},
        footer = {"", "Keys: evaluate --checkpoint PATH --print_config; described in docs/configuration.md."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "a checkpoint folder, or a run folder (its newest intact checkpoint)")
    String checkpoint;

    @Option(names = "--print_config", description = "print the configuration the checkpoint is evaluated with, and exit")
    boolean printConfig;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        ObjectNode given = ConfigLoader.parse("{}", "overrides");
        ConfigLoader.applyOverrides(given, overrides);
        Checkpoints.Loaded loaded = Checkpoints.load(new Path(checkpoint), HadoopConf.of(given));
        ObjectNode saved = ConfigLoader.parse(loaded.configYaml(), loaded.dir() + "/config.yaml");
        ObjectNode requested = saved.deepCopy();
        ConfigLoader.applyOverrides(requested, overrides);
        JobConfig cfg = ResumePolicy.apply(saved, requested, Tasks.ALL, ResumePolicy.MAY_CHANGE_ON_EVALUATE,
                "evaluate");
        if (printConfig) {
            System.out.print(cfg.toYaml());
            return 0;
        }
        System.out.println("checkpoint " + loaded.dir() + " (epoch " + loaded.state().epoch() + ", step "
                + loaded.state().step() + ")");
        Evaluation.run(cfg, loaded.network(), System.out);
        return 0;
    }
}
