package dev.attnspark.job.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native threads per training worker. In Spark local mode all workers share the driver's JVM, and each would
 * otherwise run ND4J's and OpenBLAS's thread pools at full width: on 2 cores with 2 workers that is 4+ busy threads
 * and a third of the time spent in the kernel (docs/benchmarks.md). The budget is the JVM's cores divided among its
 * workers; executors of a cluster get the same from {@code spark.executorEnv.OMP_NUM_THREADS} (the cluster kits set
 * it).
 */
public final class Threads {
    private static final Logger log = LoggerFactory.getLogger(Threads.class);

    private Threads() {}

    /** Sets ND4J's and OpenBLAS's threads for {@code workers} workers training in this JVM (local mode). */
    public static int configureLocal(JavaSparkContext sc, int workers) {
        if (!sc.isLocal()) {
            return -1;
        }
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers));
        set(threads);
        log.info("local mode: {} worker(s), {} native thread(s) each", workers, threads);
        return threads;
    }

    /**
     * Gives a worker {@code threads} native threads: all of them to OpenBLAS (the matrix products are most of a
     * step), and to ND4J's element-wise ops only beyond 2: on 2 cores the hand-off between threads costs the small
     * element-wise ops more than it gains (1.97 against 2.31 s/step for the MNIST model, docs/benchmarks.md).
     */
    public static void set(int threads) {
        int ops = threads <= 2 ? 1 : threads;
        Nd4j.getEnvironment().setMaxThreads(ops);
        Nd4j.getEnvironment().setMaxMasterThreads(ops);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}
