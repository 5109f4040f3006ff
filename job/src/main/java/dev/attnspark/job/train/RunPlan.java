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
        return String.format(Locale.ROOT, "%d workers (%s%s), batch %d per %s, %d batches = %d steps per epoch, "
                        + "%d steps in all (epochs 0-%d)", workers, strategy,
                shared() ? String.format(Locale.ROOT, ": %d trainers, each at lr %.3g", trainers, trainerLr.peak())
                        : "", batchSize, shared() ? "trainer" : "worker", batchesPerEpoch, stepsPerEpoch, totalSteps,
                lastEpoch);
    }
}
