package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The {@code lr_scheduler} section: perceiver-io's schedules, stepped once per optimizer step. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class LrSchedulerConfig {
    /** {@code ConstantWithWarmupLR}, {@code CosineWithWarmupLR} or {@code none}. */
    public String name = "ConstantWithWarmupLR";
    /** Steps of linear warmup from 0. */
    public int warmupSteps = 0;
    /** Cosine schedule length in steps (0: the run's total steps). */
    public int trainingSteps = 0;
    /** Cosine floor as a fraction of the peak learning rate. */
    public double minFraction = 0.0;
    /** Cosine cycles over {@code training_steps}. */
    public double numCycles = 0.5;

    public void validate() {
        if (!name.equals("ConstantWithWarmupLR") && !name.equals("CosineWithWarmupLR") && !name.equals("none")) {
            throw new ConfigException("lr_scheduler.name must be ConstantWithWarmupLR, CosineWithWarmupLR or none, got "
                    + name);
        }
        if (warmupSteps < 0) {
            throw new ConfigException("lr_scheduler.warmup_steps must be >= 0, got " + warmupSteps);
        }
    }
}
