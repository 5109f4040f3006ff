package dev.attnspark.job.train.strategy;

import dev.attnspark.job.config.ConfigException;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Locale;

/**
 * Refuses, before any training, a distributed run whose JVM heaps cannot hold DL4J's task results. Both
 * {@code averaging} and {@code shared} end every Spark task by returning the worker's parameters and optimizer state
 * as the task's result: a Java object of float32 arrays, and its serialized copy, both on the heap (the model itself
 * lives off-heap). So one result costs about {@code 8 x (parameters + optimizer state values)} bytes: 24 bytes per
 * parameter with Adam. In local mode every worker's task runs in the driver's JVM; on a cluster each executor runs one
 * task per round and the driver receives the aggregate. Without this check such a run dies at the end of its first
 * round with {@code OutOfMemoryError: Java heap space} (measured: Perceiver AR model 1, two trainers, 1 GiB heap).
 */
public final class TaskResultHeap {
    /** Spark's own structures, cached partitions and buffers, beside the results. */
    static final long BASE = 512L << 20;

    private TaskResultHeap() {
    }

    /** Bytes of heap one task result of {@code net} needs. */
    public static long perResult(ComputationGraph net) {
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        long values = net.numParams() + (state == null ? 0 : state.length());
        return 8 * values;
    }

    /**
     * Throws a {@link ConfigException} naming what to raise when a heap of this run is too small.
     *
     * @param workers Spark tasks per round (all in this JVM in local mode)
     */
    public static void check(JavaSparkContext sc, ComputationGraph net, String strategy, int workers) {
        check(sc.isLocal(), Runtime.getRuntime().maxMemory(),
                sc.getConf().getSizeAsBytes("spark.executor.memory", "1g"), perResult(net), strategy, workers);
    }

    static void check(boolean local, long driverHeap, long executorHeap, long result, String strategy, int workers) {
        if (local) {
            require(driverHeap, workers * result + BASE, strategy,
                    "this JVM, holding " + (workers == 1 ? "one worker's result," : workers + " workers' results,"),
                    result, "MEMORY (deploy/local/run) or the JVM's -Xmx");
            return;
        }
        require(driverHeap, result + BASE, strategy, "the driver, receiving the aggregated result,", result,
                "DRIVER_BUDGET (deploy kits) or spark.driver.memory");
        require(executorHeap, result + BASE, strategy, "each executor, returning its result,", result,
                "EXECUTOR_BUDGET (deploy kits) or spark.executor.memory");
    }

    private static void require(long heap, long needed, String strategy, String who, long result, String raise) {
        if (heap < needed) {
            throw new ConfigException(String.format(Locale.ROOT, "trainer.strategy=%s: DL4J returns each worker's "
                    + "parameters and optimizer state as a Spark task result on the heap (%d MB for this model); %s "
                    + "needs about %d MB of heap and has %d MB. Raise %s, or train with trainer.strategy=single",
                    strategy, result >> 20, who, needed >> 20, heap >> 20, raise));
        }
    }
}
