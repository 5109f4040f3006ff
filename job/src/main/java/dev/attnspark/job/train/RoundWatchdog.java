package dev.attnspark.job.train;

import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Bounds the wall time of a training round. When an executor dies mid-round, Spark starts a replacement and retries
 * its tasks, but DL4J's gradient sharing can leave the retried task waiting forever for a mesh that no longer
 * matches. A round that takes far longer than the slowest one so far is cancelled, and the run stops with an error
 * that says how to continue ({@code train --resume} from the last checkpoint).
 */
final class RoundWatchdog implements AutoCloseable {
    /** Rounds may take this many times the slowest completed round ... */
    static final int SLACK = 10;
    /** ... and at least this long. */
    static final long MIN_SECONDS = 300;

    private final JavaSparkContext sc;
    private final long fixedSeconds;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "attnspark-round");
        t.setDaemon(true);
        return t;
    });
    private long slowestNanos;

    /** @param fixedSeconds the limit per round; 0 to derive it from the rounds so far */
    RoundWatchdog(JavaSparkContext sc, long fixedSeconds) {
        this.sc = sc;
        this.fixedSeconds = fixedSeconds;
    }

    long limitSeconds() {
        return fixedSeconds > 0 ? fixedSeconds
                : Math.max(MIN_SECONDS, TimeUnit.NANOSECONDS.toSeconds(SLACK * slowestNanos));
    }

    /** Runs {@code round}; throws {@link TrainingStoppedException} if it does not finish within the limit. */
    void run(Runnable round, long step, Object lastCheckpoint) {
        String group = "attnspark-round-" + UUID.randomUUID();
        long limit = limitSeconds();
        long t0 = System.nanoTime();
        Future<?> f = thread.submit(() -> {
            sc.setJobGroup(group, "training round from step " + step, true);
            try {
                round.run();
            } finally {
                sc.clearJobGroup();
            }
        });
        try {
            f.get(limit, TimeUnit.SECONDS);
            slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
        } catch (TimeoutException e) {
            sc.cancelJobGroup(group);
            f.cancel(true);
            throw new TrainingStoppedException("the training round from step " + step + " did not finish in " + limit
                    + " s (trainer.round_timeout_s): a lost executor leaves DL4J's gradient sharing waiting. "
                    + (lastCheckpoint == null ? "No checkpoint was written yet: start again."
                    : "Continue from the last checkpoint (" + lastCheckpoint + ") with train --resume."));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new RuntimeException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sc.cancelJobGroup(group);
            throw new IllegalStateException("interrupted during a training round", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
