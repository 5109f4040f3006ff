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
    /**
     * Batches of {@code data.batch_size} per optimizer step, back-propagated one after the other (Lightning's
     * gradient accumulation): the step equals one of a batch this many times larger, at one batch's activation
     * memory.
     */
    public int accumulateGradBatches = 1;
    /**
     * Validation within epochs, as Lightning's: a fraction of an epoch's steps (0.5: twice per epoch), or every this
     * many steps (an integer above 1); null: once per epoch ({@code check_val_every_n_epoch}).
     */
    public Double valCheckInterval;
    /** Clip the gradient to this global L2 norm (null: no clipping). */
    public Double gradientClipVal;
    /** Seed of initialization, data order and dropout. */
    public long seed = 0;
    /** Cancel a training round after this many seconds (0: 10x the slowest round so far, at least 300). */
    public long roundTimeoutS = 0;
    /** Scalars for TensorBoard, as Lightning's {@code TensorBoardLogger}; {@code --trainer.logger=false}: none. */
    public Logger logger = new Logger();
    /** Which checkpoint is the best, kept beside the newest ones (Lightning's {@code ModelCheckpoint}). */
    public Checkpoint checkpoint = new Checkpoint();
    /** Stop when a validation metric stops improving (Lightning's {@code EarlyStopping}; off unless monitored). */
    public EarlyStopping earlyStopping = new EarlyStopping();

    /** {@code trainer.logger}: {@code TensorBoardLogger} event files under {@code save_dir/name/version_N/}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public static class Logger {
        /** {@code TensorBoardLogger} (Lightning's class names are accepted too), or null for no logger. */
        public String classPath = "TensorBoardLogger";
        /** Folder of the logs (any Hadoop file system; null: {@code trainer.output_dir}). */
        public String saveDir;
        /** Experiment name: a folder under {@code save_dir}. */
        public String name = "lightning_logs";
        /** Version folder number (null: the next free {@code version_N}). */
        public Integer version;

        /** Lightning's {@code init_args} form: {@code logger: {class_path: ..., init_args: {save_dir: ...}}}. */
        @JsonProperty("init_args")
        void initArgs(InitArgs args) {
            if (args.saveDir != null) {
                saveDir = args.saveDir;
            }
            if (args.name != null) {
                name = args.name;
            }
            if (args.version != null) {
                version = args.version;
            }
        }

        /** The keys of {@code init_args}; unset ones leave the logger's own values alone. */
        @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
        static class InitArgs {
            public String saveDir;
            public String name;
            public Integer version;
        }

        public boolean enabled() {
            return classPath != null;
        }

        void validate() {
            if (classPath != null && !classPath.equals("TensorBoardLogger")
                    && !classPath.endsWith("loggers.TensorBoardLogger")) {
                throw new ConfigException("trainer.logger must be TensorBoardLogger or false, got " + classPath);
            }
            if (name == null || name.isBlank() || name.contains("/")) {
                throw new ConfigException("trainer.logger.name must be a folder name, got " + name);
            }
            if (version != null && version < 0) {
                throw new ConfigException("trainer.logger.version must be >= 0 or null, got " + version);
            }
        }
    }

    /** A validation metric to watch, named as the validation table prints it ({@code val_loss}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public static class Monitored {
        /** {@code val_<metric>}, e.g. {@code val_loss} or {@code val_acc}; null: nothing is monitored. */
        public String monitor;
        /** {@code min} (lower is better) or {@code max}. */
        public String mode = "min";

        /** Whether {@code value} is better than {@code best} by more than {@code delta}. */
        public boolean improves(double value, Double best, double delta) {
            if (best == null || best.isNaN()) {
                return !Double.isNaN(value);
            }
            return mode.equals("min") ? value < best - delta : value > best + delta;
        }

        /** The task's key of the metric ({@code loss} for {@code val_loss}, {@code accuracy} for {@code val_acc}). */
        public String metric() {
            return MetricNames.key(monitor);
        }

        void validate(String key) {
            if (monitor != null && (!monitor.startsWith("val_") || monitor.length() == 4)) {
                throw new ConfigException(key + ".monitor must name a validation metric such as val_loss, got "
                        + monitor);
            }
            if (!mode.equals("min") && !mode.equals("max")) {
                throw new ConfigException(key + ".mode must be min or max, got " + mode);
            }
        }
    }

    /** {@code trainer.checkpoint}: with a monitor, the best checkpoint is kept beside the newest ones. */
    public static class Checkpoint extends Monitored {}

    /** {@code trainer.early_stopping}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public static class EarlyStopping extends Monitored {
        /** Validations without improvement before the run stops. */
        public int patience = 3;
        /** The least change that counts as an improvement. */
        public double minDelta = 0.0;
    }

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
        logger.validate();
        checkpoint.validate("trainer.checkpoint");
        earlyStopping.validate("trainer.early_stopping");
        if (earlyStopping.patience < 1 || earlyStopping.minDelta < 0) {
            throw new ConfigException("trainer.early_stopping.patience must be >= 1 and min_delta >= 0, got "
                    + earlyStopping.patience + " and " + earlyStopping.minDelta);
        }
        if (accumulateGradBatches < 1) {
            throw new ConfigException("trainer.accumulate_grad_batches must be >= 1, got " + accumulateGradBatches);
        }
        if (valCheckInterval != null && !(valCheckInterval > 0 && (valCheckInterval <= 1
                || valCheckInterval == Math.rint(valCheckInterval)))) {
            throw new ConfigException("trainer.val_check_interval must be a fraction of an epoch in (0, 1] or a "
                    + "whole number of steps, got " + valCheckInterval);
        }
        if (gradientClipVal != null && !(gradientClipVal > 0)) {
            throw new ConfigException("trainer.gradient_clip_val must be > 0 or null, got " + gradientClipVal);
        }
    }
}
