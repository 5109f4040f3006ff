package dev.attnspark.job.train;

import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.checkpoint.FrozenWeightsFiles;
import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.MetricNames;
import dev.attnspark.job.config.TrainerConfig;
import dev.attnspark.job.checkpoint.StartingWeights;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.task.MetricSums;
import dev.attnspark.job.task.Task;
import dev.attnspark.job.task.TaskData;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.log.RunLog;
import dev.attnspark.job.train.strategy.GradientSharing;
import dev.attnspark.job.train.strategy.ParameterAveraging;
import dev.attnspark.job.train.strategy.SingleWorker;
import dev.attnspark.job.train.strategy.TaskResultHeap;
import dev.attnspark.job.train.strategy.TrainingStrategy;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The training driver. Phases, top to bottom ({@link #run}): check what can be checked before Spark starts; start
 * Spark; find the checkpoint to continue from; shard the data and plan the steps ({@link RunPlan}); build or restore
 * the model; pick the strategy; then per epoch train in chunks of steps (a status line, a metrics row and perhaps a
 * checkpoint after each), validate, checkpoint; finally print the run summary.
 */
public final class Trainer {

    /** What a finished run reports. */
    public record Result(long steps, int epochs, Map<String, Double> lastTrain, Map<String, Double> lastValid,
                         Path lastCheckpoint, Duration wallTime, double samplesPerSec, String stopReason) {}

    private final JobConfig cfg;
    private final boolean resume;
    private final PrintStream out;
    private volatile long step = -1;
    private volatile Path lastCheckpoint;
    private volatile boolean running;

    public Trainer(JobConfig cfg, boolean resume, PrintStream out) {
        this.cfg = cfg;
        this.resume = resume;
        this.out = out;
    }

    public static Result train(JobConfig cfg, boolean resume, PrintStream out) {
        return new Trainer(cfg, resume, out).run();
    }

    /** What to tell a user who stopped the run with Ctrl-C, if it was running. */
    public Optional<String> interruptedMessage() {
        if (!running) {
            return Optional.empty();
        }
        if (step < 0) {
            return Optional.of("interrupted before training started; nothing was written to train --resume from");
        }
        String dir = cfg.trainer().outputDir;
        return Optional.of(lastCheckpoint != null
                ? "interrupted at step " + step + "; continue with train --resume --trainer.output_dir=" + dir
                        + " (from the checkpoint at " + lastCheckpoint.getName() + ")"
                : "interrupted at step " + step + ", before the first checkpoint: run the same command again to "
                        + "start over");
    }

    public Result run() {
        Task<?> task = Tasks.ALL.get(cfg.task());
        checkBeforeSpark(task);
        running = true;
        try {
            return new Session<>(task).run();
        } finally {
            running = false;
        }
    }

    /** Configuration and paths that can be checked without a Spark context, so that mistakes cost no start-up. */
    private void checkBeforeSpark(Task<?> task) {
        TrainerConfig tc = cfg.trainer();
        Set<String> metrics = task.metricNames(cfg.data());
        for (TrainerConfig.Monitored m : List.of(tc.checkpoint, tc.earlyStopping)) {
            if (m.monitor != null && !metrics.contains(m.metric())) {
                throw new ConfigException("'" + m.monitor + "' is not a validation metric of " + cfg.task()
                        + "; it reports "
                        + String.join(", ", metrics.stream().map(MetricNames::validation).toList()));
            }
        }
        Configuration hadoop = HadoopConf.of(cfg.spark().conf);
        Path data = new Path(cfg.data().datasetDir);
        try {
            if (!data.getFileSystem(hadoop).exists(data)) {
                throw new ConfigException("data.dataset_dir " + data + " does not exist");
            }
        } catch (IOException e) {
            throw new ConfigException("data.dataset_dir " + data + ": cannot read (" + e.getMessage() + ")", e);
        }
        checkOutputDir(hadoop);
        if (!resume) {
            checkStartingWeights(task.modelType(), hadoop);
        }
        if (!resume && !new Checkpoints(new RunDir(tc.outputDir, hadoop)).complete().isEmpty()) {
            throw new ConfigException("trainer.output_dir " + tc.outputDir + " already holds checkpoints; pass "
                    + "--resume to continue that run, or choose another trainer.output_dir");
        }
        SparkSetup.checkMaster(cfg.spark());
    }

    /** {@code model.params} and {@code model.encoder.params} name something that exists. */
    private <C> void checkStartingWeights(ModelType<C> type, Configuration hadoop) {
        for (ModelType.Start s : type.startingWeights(type.configClass().cast(cfg.model()))) {
            Path p = new Path(s.path());
            try {
                if (!p.getFileSystem(hadoop).exists(p)) {
                    throw new ConfigException(s.key() + " " + s.path() + " does not exist (a checkpoint or run folder "
                            + "of this job, or safetensors; null trains from scratch)");
                }
            } catch (IOException e) {
                throw new ConfigException(s.key() + " " + s.path() + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
    }

    /** The run folder is a folder, or can become one: no file in its place or above it. */
    private void checkOutputDir(Configuration hadoop) {
        Path dir = new Path(cfg.trainer().outputDir);
        try {
            org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(hadoop);
            for (Path p = dir; p != null; p = p.getParent()) {
                if (fs.exists(p)) {
                    if (!fs.getFileStatus(p).isDirectory()) {
                        throw new ConfigException("trainer.output_dir " + dir + ": " + p + " is a file, not a folder");
                    }
                    return;
                }
            }
        } catch (IOException e) {
            throw new ConfigException("trainer.output_dir " + dir + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** One run from Spark's start to its summary. */
    private final class Session<E> {
        private final Task<E> task;
        private final TrainerConfig tc = cfg.trainer();
        private final long started = System.nanoTime();
        private RunPlan plan;
        private TaskData<E> data;
        private JavaPairRDD<Long, E> train;
        /** With {@code data.streaming}: the executors' streams (and {@code train} is null). */
        private StreamedBatches<E> streamed;
        private JavaRDD<E> valid;
        private TrainingStrategy strategy;
        private StepMetricsListener stepMetrics;
        private Checkpoints checkpoints;
        private RunLog log;
        private Progress progress;
        private EarlyStopping earlyStopping;
        private int epoch;
        private long batchInEpoch;
        private Map<String, Double> lastTrain = Map.of(), lastValid = Map.of();
        private Map<String, Double> validSinceCheckpoint;
        private String stopReason;
        private long samplesTrained, trainNanos;

        Session(Task<?> untyped) {
            @SuppressWarnings("unchecked") Task<E> t = (Task<E>) untyped;
            this.task = t;
        }

        Result run() {
            try (JavaSparkContext sc = SparkSetup.context(cfg.spark())) {
                RunDir runDir = new RunDir(tc.outputDir, sc.hadoopConfiguration());
                checkpoints = new Checkpoints(runDir);
                Optional<Checkpoints.Loaded> from = startingPoint();
                shardAndPlan(sc, from);
                ComputationGraph net = from.map(Checkpoints.Loaded::network)
                        .orElseGet(() -> freshNetwork(sc.hadoopConfiguration()));
                if (!tc.strategy.equals("single")) {
                    TaskResultHeap.check(sc, net, tc.strategy, plan.workers());
                }
                // frozen values travel as a file of the run, not in DL4J's parameters (which the strategies send)
                FrozenWeightsFiles.publish(net, runDir.path(FrozenWeightsFiles.NAME), sc.hadoopConfiguration())
                        .ifPresent(s -> progress.line("frozen parameters (no gradient, read once per executor): "
                                + s.location()));
                ModelSummary.lines(cfg.task(), net).forEach(progress::line);
                runDir.writeText("config.yaml", cfg.toYaml());

                stepMetrics = plan.shared() ? StepMetricsListener.viaJvmSink() : StepMetricsListener.viaAccumulator(sc);
                strategy = strategy(sc, net, cfg, plan.workers(), plan.trainerLr().peak(), List.of(stepMetrics));
                from.ifPresent(l -> {
                    epoch = l.state().epoch();
                    batchInEpoch = l.state().batchInEpoch();
                    step = l.state().step();
                    lastCheckpoint = l.dir();
                });
                step = Math.max(step, 0);
                earlyStopping = new EarlyStopping(tc.earlyStopping, from.map(l -> l.state().earlyStopping()).orElse(null));
                try (RunLog runLog = RunLog.open(runDir, tc.logger, from.isPresent() ? step : -1);
                     RoundWatchdog watchdog = new RoundWatchdog(sc, tc.roundTimeoutS)) {
                    log = runLog;
                    epochs(sc, watchdog);
                    Result result = result();
                    summary(result);
                    return result;
                } finally {
                    strategy.close();
                    if (train != null) {
                        train.unpersist(false);
                    }
                    if (streamed != null) {
                        streamed.close();
                    }
                    valid.unpersist(false);
                }
            }
        }

        /** With --resume, the newest intact checkpoint. */
        private Optional<Checkpoints.Loaded> startingPoint() {
            progress = new Progress(out, 0, 0);
            if (!resume) {
                return Optional.empty();
            }
            Optional<Checkpoints.Loaded> from = checkpoints.latest();
            if (from.isEmpty()) {
                throw new ConfigException("--resume: no usable checkpoint in " + checkpoints.dir());
            }
            progress.line("resuming from " + from.get().dir() + " (epoch " + from.get().state().epoch() + ", step "
                    + from.get().state().step() + ")");
            return from;
        }

        /** Executors read their shards; examples are indexed once for the epoch permutations. */
        private void shardAndPlan(JavaSparkContext sc, Optional<Checkpoints.Loaded> from) {
            int workers = tc.strategy.equals("single") ? 1
                    : cfg.spark().numWorkers > 0 ? cfg.spark().numWorkers : sc.defaultParallelism();
            int trainers = tc.strategy.equals("shared") ? GradientSharing.trainers(sc, workers, cfg.spark()) : workers;
            int partitions = cfg.data().numPartitions > 0 ? cfg.data().numPartitions : 2 * workers;
            Threads.configureLocal(sc, workers);
            data = task.data(sc, cfg, partitions, true);
            valid = limited(data.valid(), tc.limitValBatches, cfg.data().validationBatchSize());
            valid.persist(StorageLevel.MEMORY_AND_DISK_SER());
            if (data.streams() != null) {
                plan = RunPlan.streaming(cfg, workers, trainers, partitions);
                streamed = new StreamedBatches<>(sc, data.streams(), data.batchMaker(), plan.workers(),
                        plan.batchSize(), from.map(l -> l.state().streams()).orElse(null));
            } else {
                train = data.train().zipWithIndex().mapToPair(t -> new scala.Tuple2<>(t._2, t._1));
                train.persist(StorageLevel.MEMORY_AND_DISK_SER());
                plan = RunPlan.of(cfg, workers, trainers, partitions, train.count(), cfg.data().datasetDir);
            }
            from.ifPresent(l -> checkSameTrainers(l.state()));
            progress = new Progress(out, from.map(l -> l.state().step()).orElse(0L), plan.totalSteps());
            progress.line(data.describe());
            progress.line(plan.describe());
        }

        /** A step is one batch per trainer: a checkpoint continues only with as many trainers as wrote it. */
        private void checkSameTrainers(Checkpoints.State state) {
            if (state.trainers() > 0 && state.trainers() != plan.trainers()) {
                throw new ConfigException(String.format(Locale.ROOT, "--resume: the checkpoint was trained with %d "
                        + "trainers (batches per step) and this run would have %d, which changes the steps, the "
                        + "data order%s; resume with the same spark.num_workers and spark.workers_per_node, or start "
                        + "a new run", state.trainers(), plan.trainers(),
                        plan.shared() ? " and each trainer's share of the learning rate" : ""));
            }
        }

        /** A new model, started from {@code model.params} / {@code model.encoder.params} if given. */
        private ComputationGraph freshNetwork(Configuration hadoop) {
            org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = Optimizers.graph(task, cfg,
                    plan.trainerLr());
            String base = frozenBase(task.modelType());
            if (base != null) {
                // read in place by every JVM, so never initialized, copied or published
                Graphs.modelLayer(conf).frozenWeights(FrozenWeightsFiles.base(base, hadoop));
            }
            ComputationGraph net = new ComputationGraph(conf);
            net.init();
            startFrom(net, task.modelType(), hadoop);
            return net;
        }

        private <C> String frozenBase(ModelType<C> type) {
            return type.frozenBase(type.configClass().cast(cfg.model()));
        }

        private <C> void startFrom(ComputationGraph net, ModelType<C> type, Configuration hadoop) {
            StartingWeights.load(net, type, type.configClass().cast(cfg.model()), hadoop).forEach(progress::line);
        }

        private void epochs(JavaSparkContext sc, RoundWatchdog watchdog) {
            for (; epoch < tc.maxEpochs && step < plan.totalSteps() && stopReason == null; epoch++, batchInEpoch = 0) {
                boolean epochDone;
                if (streamed != null) {
                    trainStreamedEpoch(sc, watchdog);
                    epochDone = streamed.exhausted();
                    if (epochDone) {
                        streamed.nextEpoch();
                    }
                } else {
                    trainEpoch(sc, watchdog);
                    epochDone = batchInEpoch >= plan.batchesPerEpoch();
                }
                if ((epoch + 1) % tc.checkValEveryNEpoch == 0 || epoch + 1 == tc.maxEpochs
                        || step >= plan.totalSteps()) {
                    validate(sc);
                }
                checkpoint(epochDone ? epoch + 1 : epoch, epochDone ? 0 : batchInEpoch);
                if (!epochDone) {
                    break;
                }
            }
            if (stopReason != null) {
                progress.line(stopReason);
            }
        }

        private void trainEpoch(JavaSparkContext sc, RoundWatchdog watchdog) {
            try (EpochBatches<E> batches = EpochBatches.plan(sc, train, (int) plan.examples(), epoch, tc.seed,
                    plan.batchSize(), cfg.data().shuffle, plan.partitions(), data.batchMaker())) {
                long samples = 0;
                long t0 = System.nanoTime();
                while (batchInEpoch < plan.batchesPerEpoch() && step < plan.totalSteps()) {
                    long nb = plan.batchesFor(Math.min(chunkSteps(), strategy.maxStepsPerFit()), batchInEpoch);
                    JavaRDD<MultiDataSet> round = batches.range(batchInEpoch, batchInEpoch + nb,
                            Math.min(plan.workers(), (int) nb), modelInputs());
                    long at = step;
                    long fitStart = System.nanoTime();
                    watchdog.run(() -> strategy.fit(round, at), step, lastCheckpoint);
                    trainNanos += System.nanoTime() - fitStart;
                    long chunkSamples = Math.min(nb * plan.batchSize(), plan.examples() - batchInEpoch * plan.batchSize());
                    step += plan.stepsOf(nb);
                    batchInEpoch += nb;
                    samples += chunkSamples;
                    samplesTrained += chunkSamples;
                    strategy.network().getConfiguration().setIterationCount((int) step);

                    boolean last = batchInEpoch >= plan.batchesPerEpoch() || step >= plan.totalSteps();
                    if (afterRound(sc, samples, t0, last)) {
                        samples = 0;
                        t0 = System.nanoTime();
                    }
                }
            }
        }

        /**
         * An epoch of a streamed corpus: rounds of the streams' next batches until the run's steps are done or a
         * stream runs out of shards (the epoch's end).
         */
        private void trainStreamedEpoch(JavaSparkContext sc, RoundWatchdog watchdog) {
            long samples = 0;
            long t0 = System.nanoTime();
            while (step < plan.totalSteps() && !streamed.exhausted()) {
                long steps = Math.min(chunkSteps(), strategy.maxStepsPerFit());
                long perStream = Math.max(1, steps * plan.trainers() / plan.workers());
                JavaRDD<MultiDataSet> round = streamed.round(epoch, perStream, modelInputs());
                long at = step;
                long fitStart = System.nanoTime();
                watchdog.run(() -> strategy.fit(round, at), step, lastCheckpoint);
                trainNanos += System.nanoTime() - fitStart;
                long nb = streamed.finishRound();
                long chunkSamples = nb * plan.batchSize();
                step += plan.stepsOf(nb);
                batchInEpoch += nb;
                samples += chunkSamples;
                samplesTrained += chunkSamples;
                strategy.network().getConfiguration().setIterationCount((int) step);
                boolean last = streamed.exhausted() || step >= plan.totalSteps();
                if (afterRound(sc, samples, t0, last)) {
                    samples = 0;
                    t0 = System.nanoTime();
                }
            }
        }

        /**
         * The status line, validation ({@code trainer.val_check_interval}) and checkpoint due after a round; true
         * when a status line was written (its throughput counters start again).
         */
        private boolean afterRound(JavaSparkContext sc, long samples, long t0, boolean last) {
            boolean logged = false;
            if (step % tc.logEveryNSteps == 0 || last) {
                logTrain(sc, samples / ((System.nanoTime() - t0) / 1e9));
                logged = true;
            }
            if (plan.stepsToValidation(step, epoch) == plan.valEvery() && !last) {
                validate(sc);
            }
            if (tc.checkpointEveryNSteps > 0 && step % tc.checkpointEveryNSteps == 0 && !last) {
                checkpoint(epoch, batchInEpoch);
            }
            return logged;
        }

        /** Steps until the next status line or checkpoint, whichever comes first. */
        /** The model's input names: the order of the features in every training batch. */
        private List<String> modelInputs() {
            return Graphs.modelLayer(strategy.network()).model().inputs();
        }

        private long chunkSteps() {
            long n = tc.logEveryNSteps - step % tc.logEveryNSteps;
            if (tc.checkpointEveryNSteps > 0) {
                n = Math.min(n, tc.checkpointEveryNSteps - step % tc.checkpointEveryNSteps);
            }
            return Math.min(Math.min(n, plan.stepsToValidation(step, epoch)), plan.totalSteps() - step);
        }

        private void logTrain(JavaSparkContext sc, double samplesPerSec) {
            lastTrain = task.metrics(stepMetrics.drain(sc), cfg.data());
            double rate = plan.lr().valueAt((int) step - 1, epoch);
            Map<String, Object> row = new LinkedHashMap<>(lastTrain);
            row.put("lr", rate);
            row.put("samples_per_s", samplesPerSec);
            log.train(epoch, step, row);
            progress.step(epoch, plan.lastEpoch(), step, lastTrain, rate, samplesPerSec);
        }

        private void validate(JavaSparkContext sc) {
            MetricSums v = Evaluator.evaluate(sc, strategy.network(), valid, data.batchMaker(),
                    cfg.data().validationBatchSize());
            lastValid = task.metrics(v, cfg.data());
            validSinceCheckpoint = lastValid;
            log.valid(epoch, step, lastValid);
            progress.line("validation after epoch " + epoch + ", step " + step + ":");
            progress.validationTable(lastValid);
            stopReason = earlyStopping.update(lastValid, step);
        }

        private void checkpoint(int atEpoch, long atBatch) {
            TrainerConfig.Checkpoint best = tc.checkpoint;
            Checkpoints.State state = Checkpoints.State.at(atEpoch, atBatch, step, plan.trainers(),
                    validSinceCheckpoint, earlyStopping.state()).withStreams(streamed == null ? null
                    : streamed.positions());
            lastCheckpoint = checkpoints.save(strategy.network(), state, cfg.toYaml(), new Checkpoints.Retention(
                    tc.keepCheckpoints, best.monitor != null ? best.metric() : null, best.mode));
            validSinceCheckpoint = null;
            progress.line("checkpoint " + lastCheckpoint);
        }

        private Result result() {
            return new Result(step, epoch, lastTrain, lastValid, lastCheckpoint,
                    Duration.ofNanos(System.nanoTime() - started),
                    trainNanos > 0 ? samplesTrained / (trainNanos / 1e9) : Double.NaN, stopReason);
        }

        /** The run summary: time, steps, throughput, last and best validation, and where everything is. */
        private void summary(Result r) {
            progress.line(String.format(Locale.ROOT, "done: %d steps, %s wall time, %.1f samples/s while training",
                    r.steps(), Progress.format(r.wallTime()), r.samplesPerSec()));
            if (!r.lastValid().isEmpty()) {
                StringBuilder last = new StringBuilder("  last validation:");
                r.lastValid().forEach((k, v) -> last.append(' ').append(MetricNames.validation(k)).append(' ')
                        .append(Progress.number(v)));
                progress.line(last.toString());
                StringBuilder best = new StringBuilder("  best validation:");
                log.bestValid().forEach((k, b) -> best.append(' ').append(MetricNames.validation(k)).append(' ')
                        .append(Progress.number(b[0])).append(" (step ").append((long) b[1]).append(')'));
                progress.line(best.toString());
            }
            if (data.counts() != null && !data.counts().get().isEmpty()) {
                progress.line("  data         " + data.counts().get());
            }
            log.outputs().forEach((k, v) -> progress.line(String.format(Locale.ROOT, "  %-12s %s", k, v)));
            String checkpointsLine = "  checkpoints  " + checkpoints.dir() + " (newest " + r.lastCheckpoint().getName();
            if (tc.checkpoint.monitor != null) {
                Optional<Map.Entry<Path, Double>> best = checkpoints.best(tc.checkpoint.metric(), tc.checkpoint.mode);
                if (best.isPresent()) {
                    checkpointsLine += ", best by " + tc.checkpoint.monitor + " " + best.get().getKey().getName()
                            + " with " + Progress.number(best.get().getValue());
                }
            }
            progress.line(checkpointsLine + ")");
        }
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
        int batch = RunPlan.trainingBatch(cfg);
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
