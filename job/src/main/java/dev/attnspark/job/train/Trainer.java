package dev.attnspark.job.train;

import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.TrainerConfig;
import dev.attnspark.job.task.MetricSums;
import dev.attnspark.job.task.Optimizers;
import dev.attnspark.job.task.Task;
import dev.attnspark.job.task.TaskData;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.optim.WarmupSchedule;
import dev.attnspark.job.train.strategy.GradientSharing;
import dev.attnspark.job.train.strategy.ParameterAveraging;
import dev.attnspark.job.train.strategy.SingleWorker;
import dev.attnspark.job.train.strategy.TrainingStrategy;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The training driver. Phases, top to bottom: find the run folder and any checkpoint; start Spark; shard the data;
 * build or restore the model; pick the strategy; then per epoch, train in chunks of steps (a status line, a metrics
 * row and possibly a checkpoint after each), validate, and checkpoint.
 */
public final class Trainer {

    /** What a finished run reports. */
    public record Result(long steps, int epochs, Map<String, Double> lastTrain, Map<String, Double> lastValid,
                         Path lastCheckpoint) {}

    private Trainer() {}

    public static Result train(JobConfig cfg, boolean resume, PrintStream out) {
        return run(Tasks.ALL.get(cfg.task()), cfg, resume, out);
    }

    private static <E> Result run(Task<E> untyped, JobConfig cfg, boolean resume, PrintStream out) {
        @SuppressWarnings("unchecked") Task<E> task = untyped;
        TrainerConfig tc = cfg.trainer();
        Progress progress = new Progress(out, 0, 0);

        // 1. the run folder, and where to continue from
        try (JavaSparkContext sc = SparkSetup.context(cfg.spark())) {
            RunDir runDir = new RunDir(tc.outputDir, sc.hadoopConfiguration());
            Checkpoints checkpoints = new Checkpoints(runDir);
            Optional<Checkpoints.Loaded> from = Optional.empty();
            if (resume) {
                from = checkpoints.latest();
                if (from.isEmpty()) {
                    throw new ConfigException("--resume: no usable checkpoint in " + runDir.path(Checkpoints.DIR));
                }
                progress.line("resuming from " + from.get().dir() + " (epoch " + from.get().state().epoch()
                        + ", step " + from.get().state().step() + ")");
            } else if (!checkpoints.complete().isEmpty()) {
                throw new ConfigException("trainer.output_dir " + tc.outputDir + " already holds checkpoints; pass "
                        + "--resume to continue that run, or choose another trainer.output_dir");
            }

            // 2. data: executors read their shards; examples are indexed once for the epoch permutations
            int workers = tc.strategy.equals("single") ? 1
                    : cfg.spark().numWorkers > 0 ? cfg.spark().numWorkers : sc.defaultParallelism();
            // batches per optimizer step: one per trainer (gradient sharing runs several trainers per executor)
            boolean shared = tc.strategy.equals("shared");
            int trainers = shared ? GradientSharing.trainers(sc, workers, cfg.spark()) : workers;
            int partitions = cfg.data().numPartitions > 0 ? cfg.data().numPartitions : 2 * workers;
            Threads.configureLocal(sc, workers);
            TaskData<E> data = task.data(sc, cfg, partitions);
            JavaPairRDD<Long, E> train = data.train().zipWithIndex().mapToPair(t -> new scala.Tuple2<>(t._2, t._1));
            train.persist(StorageLevel.MEMORY_AND_DISK_SER());
            JavaRDD<E> valid = limited(data.valid(), tc.limitValBatches, cfg.data().batchSize);
            valid.persist(StorageLevel.MEMORY_AND_DISK_SER());
            int n = (int) train.count();
            int batchSize = cfg.data().batchSize;
            long batchesPerEpoch = (n + batchSize - 1) / batchSize;
            if (tc.limitTrainBatches > 0) {
                batchesPerEpoch = Math.min(batchesPerEpoch, tc.limitTrainBatches);
            }
            long stepsPerEpoch = (batchesPerEpoch + trainers - 1) / trainers;
            long totalSteps = (long) tc.maxEpochs * stepsPerEpoch;
            if (tc.maxSteps > 0) {
                totalSteps = Math.min(totalSteps, tc.maxSteps);
            }
            progress = new Progress(out, from.map(l -> l.state().step()).orElse(0L), totalSteps);
            progress.line(data.describe());
            // the learning rate of a step; gradient sharing sums its trainers' updates, so each steps with a share
            WarmupSchedule lr = Optimizers.schedule(cfg.optimizer(), cfg.lrScheduler(), totalSteps);
            WarmupSchedule trainerLr = shared ? lr.scaled(1.0 / trainers) : lr;
            progress.line(String.format("%d workers (%s%s), batch %d per %s, %d batches = %d steps per epoch, "
                    + "%d steps in all", workers, tc.strategy,
                    shared ? String.format(": %d trainers, each at lr %.3g", trainers, trainerLr.peak()) : "",
                    batchSize, shared ? "trainer" : "worker", batchesPerEpoch, stepsPerEpoch, totalSteps));

            // 3. the model: fresh, or as checkpointed (parameters, optimizer state, step)
            ComputationGraph net;
            if (from.isPresent()) {
                net = from.get().network();
            } else {
                net = new ComputationGraph(task.graph(cfg, trainerLr));
                net.init();
            }
            progress.line(String.format("model %s: %,d parameters", cfg.task(), net.numParams()));
            runDir.writeText("config.yaml", cfg.toYaml());

            // 4. the strategy, with a listener that scores every step where it runs
            StepMetricsListener stepMetrics = shared ? StepMetricsListener.viaJvmSink()
                    : StepMetricsListener.viaAccumulator(sc);
            TrainingStrategy strategy = strategy(sc, net, cfg, workers, trainerLr.peak(), List.of(stepMetrics));

            // 5. epochs of chunks
            int epoch = from.map(l -> l.state().epoch()).orElse(0);
            long batchInEpoch = from.map(l -> l.state().batchInEpoch()).orElse(0L);
            long step = from.map(l -> l.state().step()).orElse(0L);
            MetricsLog metrics = from.isPresent() ? MetricsLog.resume(runDir, step) : MetricsLog.create(runDir);
            Map<String, Double> lastTrain = Map.of(), lastValid = Map.of();
            Path lastCheckpoint = from.map(Checkpoints.Loaded::dir).orElse(null);
            try (RoundWatchdog watchdog = new RoundWatchdog(sc, tc.roundTimeoutS)) {
                for (; epoch < tc.maxEpochs && step < totalSteps; epoch++, batchInEpoch = 0) {
                    try (EpochBatches<E> batches = EpochBatches.plan(sc, train, n, epoch, tc.seed, batchSize,
                            cfg.data().shuffle, partitions, data.batchMaker())) {
                        long samples = 0;
                        long t0 = System.nanoTime();
                        while (batchInEpoch < batchesPerEpoch && step < totalSteps) {
                            long steps = Math.min(chunkSteps(step, tc, totalSteps), strategy.maxStepsPerFit());
                            long nb = Math.min(steps * trainers, batchesPerEpoch - batchInEpoch);
                            JavaRDD<DataSet> round = batches.range(batchInEpoch, batchInEpoch + nb,
                                    Math.min(workers, (int) nb));
                            long at = step;
                            watchdog.run(() -> strategy.fit(round, at), step, lastCheckpoint);
                            step += (nb + trainers - 1) / trainers;
                            batchInEpoch += nb;
                            samples += Math.min(nb * batchSize, (long) n - (batchInEpoch - nb) * batchSize);
                            strategy.network().getConfiguration().setIterationCount((int) step);

                            boolean last = batchInEpoch >= batchesPerEpoch || step >= totalSteps;
                            if (step % tc.logEveryNSteps == 0 || last) {
                                lastTrain = task.metrics(stepMetrics.drain(sc));
                                double samplesPerSec = samples / ((System.nanoTime() - t0) / 1e9);
                                double rate = lr.valueAt((int) step - 1, epoch);
                                Map<String, Object> row = new LinkedHashMap<>(lastTrain);
                                row.put("lr", rate);
                                row.put("samples_per_s", samplesPerSec);
                                metrics.append("train", epoch, step, row);
                                progress.step(epoch, tc.maxEpochs, step, lastTrain, rate, samplesPerSec);
                                samples = 0;
                                t0 = System.nanoTime();
                            }
                            if (tc.checkpointEveryNSteps > 0 && step % tc.checkpointEveryNSteps == 0 && !last) {
                                lastCheckpoint = checkpoints.save(strategy.network(), epoch, batchInEpoch, step,
                                        cfg.toYaml(), tc.keepCheckpoints);
                                progress.line("checkpoint " + lastCheckpoint);
                            }
                        }
                    }
                    boolean epochDone = batchInEpoch >= batchesPerEpoch;
                    if ((epoch + 1) % tc.checkValEveryNEpoch == 0 || epoch + 1 == tc.maxEpochs || step >= totalSteps) {
                        MetricSums v = Evaluator.evaluate(sc, strategy.network(), valid, data.batchMaker(), batchSize,
                                task);
                        lastValid = task.metrics(v);
                        metrics.append("valid", epoch, step, lastValid);
                        progress.line("validation after epoch " + epoch + ", step " + step + ":");
                        progress.validationTable(lastValid);
                    }
                    lastCheckpoint = checkpoints.save(strategy.network(), epochDone ? epoch + 1 : epoch,
                            epochDone ? 0 : batchInEpoch, step, cfg.toYaml(), tc.keepCheckpoints);
                    progress.line("checkpoint " + lastCheckpoint);
                    if (!epochDone) {
                        break;
                    }
                }
            } finally {
                strategy.close();
                train.unpersist(false);
                valid.unpersist(false);
            }
            return new Result(step, epoch, lastTrain, lastValid, lastCheckpoint);
        }
    }

    /** Steps until the next status line or checkpoint, whichever comes first. */
    private static long chunkSteps(long step, TrainerConfig tc, long totalSteps) {
        long n = tc.logEveryNSteps - step % tc.logEveryNSteps;
        if (tc.checkpointEveryNSteps > 0) {
            n = Math.min(n, tc.checkpointEveryNSteps - step % tc.checkpointEveryNSteps);
        }
        return Math.min(n, totalSteps - step);
    }

    private static <E> JavaRDD<E> limited(JavaRDD<E> examples, int limitBatches, int batchSize) {
        if (limitBatches <= 0) {
            return examples;
        }
        long max = (long) limitBatches * batchSize;
        return examples.zipWithIndex().filter(t -> t._2 < max).map(t -> t._1);
    }

    static TrainingStrategy strategy(JavaSparkContext sc, ComputationGraph net, JobConfig cfg, int workers,
                                     double trainerLr, List<TrainingListener> listeners) {
        int batch = cfg.data().batchSize;
        long seed = cfg.trainer().seed;
        return switch (cfg.trainer().strategy) {
            case "single" -> {
                net.setListeners(listeners);
                yield new SingleWorker(net);
            }
            case "averaging" -> new ParameterAveraging(sc, net, workers, batch, cfg.spark().averagingFrequency,
                    cfg.spark().prefetchBatches, seed, listeners);
            default -> new GradientSharing(sc, net, workers, batch, cfg.spark(), trainerLr, seed, listeners);
        };
    }
}
