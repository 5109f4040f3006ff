package dev.attnspark.job.train;

import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.TrainerConfig;
import dev.attnspark.job.train.Optimizers;
import dev.attnspark.job.train.optim.WarmupSchedule;

import java.util.Locale;

/**
 * How a run's data becomes optimizer steps: workers and trainers, batches and steps per epoch, where the run ends,
 * and the learning rates. A step is one batch per trainer; gradient sharing sums its trainers' updates, so each
 * trainer steps with its share of the learning rate.
 *
 * @param workers         Spark tasks that train at once
 * @param trainers        batches per optimizer step (gradient sharing: every executor's trainer threads)
 * @param partitions      partitions the examples are read into
 * @param examples        training examples
 * @param batchesPerEpoch batches of one epoch (after {@code trainer.limit_train_batches})
 * @param totalSteps      steps of the whole run (after {@code trainer.max_steps})
 * @param lastEpoch       the epoch in which the run ends
 * @param lr              the learning rate of a step
 * @param trainerLr       the learning rate each trainer steps with
 * @param valEvery        validation every this many steps within an epoch (or, with {@code valAcrossEpochs}, of the
 *                        run); 0: only at the ends of epochs
 */
public record RunPlan(String strategy, int workers, int trainers, int partitions, long examples, int batchSize,
                      long batchesPerEpoch, long stepsPerEpoch, long totalSteps, int lastEpoch, WarmupSchedule lr,
                      WarmupSchedule trainerLr, long valEvery, boolean valAcrossEpochs) {

    public static RunPlan of(JobConfig cfg, int workers, int trainers, int partitions, long examples,
                             String datasetName) {
        TrainerConfig tc = cfg.trainer();
        int batchSize = trainingBatch(cfg);
        if (batchSize > examples) {
            throw new ConfigException("data.batch_size (" + cfg.data().batchSize + ")"
                    + (tc.accumulateGradBatches > 1 ? " x trainer.accumulate_grad_batches (" + tc.accumulateGradBatches
                    + ")" : "") + " is larger than the " + examples + " training examples of " + datasetName
                    + ": lower data.batch_size");
        }
        long batchesPerEpoch = (examples + batchSize - 1) / batchSize;
        if (tc.limitTrainBatches > 0) {
            batchesPerEpoch = Math.min(batchesPerEpoch, tc.limitTrainBatches);
        }
        long stepsPerEpoch = (batchesPerEpoch + trainers - 1) / trainers;
        long totalSteps = (long) tc.maxEpochs * stepsPerEpoch;
        if (tc.maxSteps > 0) {
            totalSteps = Math.min(totalSteps, tc.maxSteps);
        }
        int lastEpoch = (int) Math.min(tc.maxEpochs - 1, Math.max(0, (totalSteps - 1) / stepsPerEpoch));
        WarmupSchedule lr = Optimizers.schedule(cfg.optimizer(), cfg.lrScheduler(), totalSteps);
        boolean shared = tc.strategy.equals("shared");
        Double v = tc.valCheckInterval;
        long valEvery = v == null ? 0 : v <= 1 ? Math.max(1, (long) (stepsPerEpoch * v)) : (long) (double) v;
        return new RunPlan(tc.strategy, workers, trainers, partitions, examples, batchSize, batchesPerEpoch,
                stepsPerEpoch, totalSteps, lastEpoch, lr, shared ? lr.scaled(1.0 / trainers) : lr, valEvery,
                v != null && v > 1);
    }

    /**
     * The plan of a streamed corpus: nothing is counted, so epochs have no known length (they end when a stream runs
     * out of shards) and the run's length is {@code trainer.max_steps}.
     */
    public static RunPlan streaming(JobConfig cfg, int workers, int trainers, int partitions) {
        TrainerConfig tc = cfg.trainer();
        if (tc.maxSteps <= 0) {
            throw new ConfigException("data.streaming needs trainer.max_steps: a streamed corpus is not counted, so "
                    + "the schedule cannot be planned from epochs");
        }
        Double v = tc.valCheckInterval;
        if (v != null && v <= 1) {
            throw new ConfigException("trainer.val_check_interval " + v + " is a fraction of an epoch, and a streamed "
                    + "epoch has no known length: give a number of steps (e.g. 500)");
        }
        if (trainers % workers != 0) {
            throw new IllegalStateException(trainers + " trainers over " + workers + " streams");
        }
        WarmupSchedule lr = Optimizers.schedule(cfg.optimizer(), cfg.lrScheduler(), tc.maxSteps);
        boolean shared = tc.strategy.equals("shared");
        return new RunPlan(tc.strategy, workers, trainers, partitions, -1, trainingBatch(cfg), Long.MAX_VALUE,
                Long.MAX_VALUE, tc.maxSteps, tc.maxEpochs - 1, lr, shared ? lr.scaled(1.0 / trainers) : lr,
                v == null ? 0 : (long) (double) v, true);
    }

    /** Whether the corpus is streamed (not counted). */
    public boolean streamed() {
        return examples < 0;
    }

    /** Examples per trainer and optimizer step: {@code data.batch_size} times {@code accumulate_grad_batches}. */
    public static int trainingBatch(JobConfig cfg) {
        return Math.multiplyExact(cfg.data().batchSize, cfg.trainer().accumulateGradBatches);
    }

    public boolean shared() {
        return strategy.equals("shared");
    }

    /** Steps from {@code step} (in {@code epoch}) to the next validation within training, or MAX_VALUE for none. */
    long stepsToValidation(long step, int epoch) {
        if (valEvery <= 0) {
            return Long.MAX_VALUE;
        }
        long counted = valAcrossEpochs ? step : step - epoch * stepsPerEpoch;
        return valEvery - Math.floorMod(counted, valEvery);
    }

    /** Batches of a chunk of {@code steps} steps starting at batch {@code batchInEpoch}. */
    long batchesFor(long steps, long batchInEpoch) {
        return Math.min(steps * trainers, batchesPerEpoch - batchInEpoch);
    }

    /** Steps taken by {@code batches} batches. */
    long stepsOf(long batches) {
        return (batches + trainers - 1) / trainers;
    }

    /** The progress line describing the plan. */
    public String describe() {
        if (streamed()) {
            return String.format(Locale.ROOT, "%d workers (%s%s), batch %d per %s, %d streams read by the "
                            + "executors, %d steps in all", workers, strategy,
                    shared() ? String.format(Locale.ROOT, ": %d trainers, each at lr %.3g", trainers, trainerLr.peak())
                            : "", batchSize, shared() ? "trainer" : "worker", workers, totalSteps);
        }
        return String.format(Locale.ROOT, "%d workers (%s%s), batch %d per %s, %d batches = %d steps per epoch, "
                        + "%d steps in all (epochs 0-%d)", workers, strategy,
                shared() ? String.format(Locale.ROOT, ": %d trainers, each at lr %.3g", trainers, trainerLr.peak())
                        : "", batchSize, shared() ? "trainer" : "worker", batchesPerEpoch, stepsPerEpoch, totalSteps,
                lastEpoch);
    }
}
