package dev.attnspark.job.cli;

import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Evaluation;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "evaluate", description = {"Validate a checkpoint and print the validation table.",
        "The checkpoint's own configuration is used; keys can be overridden (e.g. --data.dataset_dir=...)."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a checkpoint folder, or a run folder (newest checkpoint)")
    String checkpoint;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        Checkpoints.Loaded loaded = Checkpoints.load(new Path(checkpoint), new Configuration());
        var tree = ConfigLoader.parse(loaded.configYaml(), loaded.dir() + "/config.yaml");
        ConfigLoader.applyOverrides(tree, overrides);
        JobConfig cfg = ConfigLoader.bind(tree, Tasks.ALL);
        System.out.println("checkpoint " + loaded.dir() + " (epoch " + loaded.state().epoch() + ", step "
                + loaded.state().step() + ")");
        Evaluation.run(cfg, loaded.network(), System.out);
        return 0;
    }
}
