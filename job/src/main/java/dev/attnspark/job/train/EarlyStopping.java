package dev.attnspark.job.train;

import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.config.TrainerConfig;

import java.util.Locale;
import java.util.Map;

/**
 * Lightning's {@code EarlyStopping}: after every validation, whether the monitored metric improved by more than
 * {@code min_delta}; {@code patience} validations without improvement stop the run. Its state is checkpointed.
 */
final class EarlyStopping {
    private final TrainerConfig.EarlyStopping config;
    private Double best;
    private long bestStep;
    private int wait;

    EarlyStopping(TrainerConfig.EarlyStopping config, Checkpoints.EarlyStoppingState from) {
        this.config = config;
        if (from != null) {
            best = from.best();
            bestStep = from.bestStep();
            wait = from.validationsWithoutImprovement();
        }
    }

    boolean enabled() {
        return config.monitor != null;
    }

    /** Takes a validation's metrics; returns a sentence saying why the run stops now, or null to go on. */
    String update(Map<String, Double> valid, long step) {
        if (!enabled()) {
            return null;
        }
        Double v = valid.get(config.metric());
        if (v != null && config.improves(v, best, config.minDelta)) {
            best = v;
            bestStep = step;
            wait = 0;
            return null;
        }
        wait++;
        if (wait < config.patience) {
            return null;
        }
        return String.format(Locale.ROOT, "early stopping: %s did not improve by more than %s in %d validations "
                + "(best %s at step %d)", config.monitor, config.minDelta, wait, Progress.number(best), bestStep);
    }

    Checkpoints.EarlyStoppingState state() {
        return enabled() ? new Checkpoints.EarlyStoppingState(best, bestStep, wait) : null;
    }
}
