package dev.attnspark.job.cli;

import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.Task;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.SparkSetup;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "prep", mixinStandardHelpOptions = true,
        description = {"Tokenize and cut a configuration's dataset once, into Parquet shards at any Hadoop path "
                + "(perceiver-io's preproc): train then reads --out as its data.dataset_dir, on every run.",
                "The settings that shape the tokens (data.tokenizer, data.max_seq_len, data.add_special_tokens, "
                        + "data.preproc_batch_size) are recorded; a run with other settings is refused."},
        footer = {"", "Configuration keys can be overridden as for train; they are described in docs/configuration.md."})
final class PrepCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML run configuration (its data section is read)")
    String config;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "where the prepared dataset goes "
            + "(must not exist; local, hdfs:, s3a:)")
    String out;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        JobConfig cfg = ConfigLoader.load(config, overrides, Tasks.ALL);
        Task<?> task = Tasks.ALL.get(cfg.task());
        if (!task.prepares()) {
            throw new ConfigException("task " + cfg.task() + " has no preparation step; train reads its "
                    + "data.dataset_dir as it is");
        }
        Path dest = new Path(out);
        if (dest.getFileSystem(HadoopConf.of(cfg.spark().conf)).exists(dest)) {
            throw new ConfigException("--out " + out + " already exists; prepare into a new folder");
        }
        SparkSetup.checkMaster(cfg.spark());
        try (JavaSparkContext sc = SparkSetup.context(cfg.spark())) {
            int partitions = cfg.data().numPartitions > 0 ? cfg.data().numPartitions : 2 * sc.defaultParallelism();
            System.out.println(task.prep(sc, cfg, out, partitions));
        }
        return 0;
    }
}
