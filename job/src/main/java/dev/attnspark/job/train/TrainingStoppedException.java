package dev.attnspark.job.train;

/** Training stopped for a reason the user can act on; the CLI prints the message alone and exits with 1. */
public final class TrainingStoppedException extends RuntimeException {
    public TrainingStoppedException(String message) {
        super(message);
    }
}
