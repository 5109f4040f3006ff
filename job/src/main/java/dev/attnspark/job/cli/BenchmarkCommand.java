package dev.attnspark.job.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.train.Optimizers;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Threads;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = {"Time training steps of a configuration's model in one JVM, on random data of the right shape "
        + "(as the PyTorch peer benchmark of docs/benchmarks.md does).",
        "Prints one RESULT line of JSON: median/min/max seconds per step, samples/s, peak RSS; with --sharing a "
                + "SHARING line: bytes and milliseconds to encode, decode and apply the last step's update."},
        footer = {"", "Configuration keys can be overridden as for train; they are described in docs/configuration.md."})
final class BenchmarkCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML run configuration")
    String config;

    @Option(names = "--steps", defaultValue = "8", description = "timed steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", defaultValue = "0", description = "native threads (0: all cores)")
    int threads;

    @Option(names = "--sharing", description = "also time what gradient sharing adds to a step: threshold-encoding "
            + "the last step's update (DL4J's bitmap encoding at spark.threshold_ratio of optimizer.lr, and its "
            + "sparse encoding), decoding it and applying it")
    boolean sharing;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0 || threads < 0) {
            throw new ConfigException("--steps must be >= 1, --warmup and --threads >= 0; got " + steps + ", "
                    + warmup + " and " + threads);
        }
        List<String> o = new ArrayList<>(overrides);
        o.add("--data.dataset_dir=unused");
        JobConfig cfg = ConfigLoader.load(config, o, Tasks.ALL);
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Threads.set(t);
        ModelType<?> type = Tasks.ALL.get(cfg.task()).modelType();
        ComputationGraph net = new ComputationGraph(Optimizers.graph(type, cfg,
                Optimizers.schedule(cfg.optimizer(), cfg.lrScheduler(), warmup + steps)));
        net.init();
        List<String> inputs = Graphs.modelLayer(net).model().inputs();
        int batch = cfg.data().batchSize;
        double[] times = new double[steps];
        for (int i = 0; i < warmup + steps; i++) {
            MultiDataSet d = randomBatch(type, cfg.model(), batch, i).toMultiDataSet(inputs);
            long t0 = System.nanoTime();
            net.fit(d);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= warmup) {
                times[i - warmup] = s;
            }
        }
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double median = median(times);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", cfg.task());
        r.put("params", net.numParams());
        r.put("batch", batch);
        r.put("steps", steps);
        r.put("warmup", warmup);
        r.put("threads", t);
        r.put("median_s", median);
        r.put("min_s", sorted[0]);
        r.put("max_s", sorted[steps - 1]);
        r.put("samples_per_s", batch / median);
        r.put("peak_rss_mb", peakRssMb());
        r.put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset"));
        System.out.println("RESULT " + new ObjectMapper().writeValueAsString(r));
        if (sharing) {
            System.out.println("SHARING " + new ObjectMapper().writeValueAsString(
                    SharingCost.measure(net.getFlattenedGradients(), net.params(),
                            cfg.spark().initialThreshold(cfg.optimizer().lr), 20)));
        }
        return 0;
    }

    static double median(double[] times) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The model type's random batch (as the PyTorch peer's random batches), one seed per step. */
    private static <C> Batch randomBatch(ModelType<C> type, Object config, int batch, long seed) {
        return type.randomBatch(type.configClass().cast(config), batch, seed);
    }

    private static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux: no peak RSS
        }
        return Double.NaN;
    }
}
