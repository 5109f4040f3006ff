package dev.attnspark.job.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.Set;

/** The {@code trainer} section: how long, where to, and how the workers share what they learn. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class TrainerConfig {
    public static final Set<String> STRATEGIES = Set.of("shared", "averaging", "single");

    /** Epochs to train. */
    public int maxEpochs = 1;
    /** Stop after this many optimizer steps (-1: no limit). */
    public long maxSteps = -1;
    /** Run folder (any Hadoop file system): config.yaml, metrics.jsonl, checkpoints/. */
    public String outputDir = "runs/default";
    /**
     * {@code shared}: DL4J's SharedTrainingMaster, threshold-encoded updates exchanged over Aeron;
     * {@code averaging}: parameter averaging; {@code single}: one worker in the driver, no training master.
     */
    public String strategy = "shared";
    /** A status line (and a {@code train} row in metrics.jsonl) every this many steps. */
    @JsonProperty("log_every_n_steps")
    public int logEveryNSteps = 10;
    /** A checkpoint every this many steps (0: only at the end of each epoch). */
    @JsonProperty("checkpoint_every_n_steps")
    public int checkpointEveryNSteps = 0;
    /** Checkpoints kept (the newest). */
    public int keepCheckpoints = 3;
    /** Validate every this many epochs. */
    @JsonProperty("check_val_every_n_epoch")
    public int checkValEveryNEpoch = 1;
    /** Train on at most this many batches per epoch (-1: all). */
    public int limitTrainBatches = -1;
    /** Validate on at most this many batches (-1: all). */
    public int limitValBatches = -1;
    /** Clip the gradient to this global L2 norm (null: no clipping). */
    public Double gradientClipVal;
    /** Seed of initialization, data order and dropout. */
    public long seed = 0;
    /** Cancel a training round after this many seconds (0: 10x the slowest round so far, at least 300). */
    public long roundTimeoutS = 0;

    public void validate() {
        if (!STRATEGIES.contains(strategy)) {
            throw new ConfigException("trainer.strategy must be one of shared, averaging, single; got " + strategy);
        }
        if (maxEpochs <= 0) {
            throw new ConfigException("trainer.max_epochs must be > 0, got " + maxEpochs);
        }
        if (maxSteps == 0 || maxSteps < -1) {
            throw new ConfigException("trainer.max_steps must be -1 (no limit) or > 0, got " + maxSteps);
        }
        if (outputDir == null || outputDir.isBlank()) {
            throw new ConfigException("trainer.output_dir is not set");
        }
        if (roundTimeoutS < 0) {
            throw new ConfigException("trainer.round_timeout_s must be >= 0, got " + roundTimeoutS);
        }
        if (logEveryNSteps <= 0) {
            throw new ConfigException("trainer.log_every_n_steps must be > 0, got " + logEveryNSteps);
        }
        if (checkpointEveryNSteps < 0 || keepCheckpoints < 1 || checkValEveryNEpoch < 1) {
            throw new ConfigException("trainer.checkpoint_every_n_steps must be >= 0, trainer.keep_checkpoints and "
                    + "trainer.check_val_every_n_epoch >= 1");
        }
        if (limitTrainBatches == 0 || limitValBatches == 0) {
            throw new ConfigException("trainer.limit_train_batches and trainer.limit_val_batches must be -1 or > 0");
        }
        if (gradientClipVal != null && !(gradientClipVal > 0)) {
            throw new ConfigException("trainer.gradient_clip_val must be > 0 or null, got " + gradientClipVal);
        }
    }
}
