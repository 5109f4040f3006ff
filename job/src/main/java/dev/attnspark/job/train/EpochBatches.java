package dev.attnspark.job.train;

import dev.attnspark.job.task.BatchMaker;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The minibatches of one epoch in a fixed order: the examples permuted by a seed derived from the run seed and the
 * epoch, then cut into batches. The same seed gives the same batches, so a resumed run sees exactly the data it
 * would have seen. The grouped examples are cached for the epoch; {@link #range} hands out consecutive batches.
 */
public final class EpochBatches<E> implements AutoCloseable {
    private final JavaPairRDD<Long, List<E>> batches;
    private final long numBatches;
    private final BatchMaker<E> maker;
    private final int epoch;
    private final Broadcast<int[]> positions;

    private EpochBatches(JavaPairRDD<Long, List<E>> batches, long numBatches, BatchMaker<E> maker, int epoch,
                         Broadcast<int[]> positions) {
        this.batches = batches;
        this.numBatches = numBatches;
        this.maker = maker;
        this.epoch = epoch;
        this.positions = positions;
    }

    /**
     * @param examples  examples keyed by their index 0..n-1
     * @param n         number of examples
     * @param epoch     epoch number (with {@code seed}, fixes the order)
     * @param batchSize examples per batch (the last batch may be smaller)
     */
    public static <E> EpochBatches<E> plan(JavaSparkContext sc, JavaPairRDD<Long, E> examples, int n, int epoch,
                                           long seed, int batchSize, boolean shuffle, int partitions,
                                           BatchMaker<E> maker) {
        int[] position = positions(n, shuffle, seed, epoch);
        Broadcast<int[]> pos = sc.broadcast(position);
        JavaPairRDD<Long, List<E>> grouped = examples
                .mapToPair(t -> {
                    int p = pos.value()[(int) (long) t._1];
                    return new Tuple2<>((long) (p / batchSize), new Tuple2<>(p, t._2));
                })
                .groupByKey(new HashPartitioner(partitions))
                .mapValues(it -> {
                    List<Tuple2<Integer, E>> l = new ArrayList<>();
                    it.forEach(l::add);
                    l.sort(Comparator.comparingInt(Tuple2::_1));
                    List<E> out = new ArrayList<>(l.size());
                    l.forEach(x -> out.add(x._2));
                    return out;
                });
        grouped.persist(StorageLevel.MEMORY_AND_DISK_SER());
        return new EpochBatches<>(grouped, (n + batchSize - 1) / batchSize, maker, epoch, pos);
    }

    /** position[i] = where example i falls in this epoch's order. */
    static int[] positions(int n, boolean shuffle, long seed, int epoch) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        if (shuffle) {
            Random rnd = new Random(seed * 1_000_003L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
        }
        int[] position = new int[n];
        for (int i = 0; i < n; i++) {
            position[perm[i]] = i;
        }
        return position;
    }

    public long numBatches() {
        return numBatches;
    }

    /**
     * Batches {@code [from, to)} in order, in {@code partitions} partitions, as DL4J trains on them: features named
     * by {@code inputs} (the model's inputs, in order) and the labels.
     */
    public JavaRDD<MultiDataSet> range(long from, long to, int partitions, List<String> inputs) {
        BatchMaker<E> m = maker;
        int e = epoch;
        List<String> names = List.copyOf(inputs);
        return batches.filter(t -> t._1 >= from && t._1 < to)
                .sortByKey(true, partitions)
                .values()
                .map(examples -> m.batch(examples, e).toMultiDataSet(names));
    }

    @Override
    public void close() {
        batches.unpersist(false);
        positions.destroy();
    }
}
