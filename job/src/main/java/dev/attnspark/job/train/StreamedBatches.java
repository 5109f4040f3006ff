package dev.attnspark.job.train;

import dev.attnspark.datasets.text.StreamPosition;
import dev.attnspark.job.task.BatchMaker;
import dev.attnspark.job.task.ExampleStreams;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Training batches of a streamed corpus ({@code data.streaming=true}): one stream per worker, each read by the
 * executor that trains on it, from the position the driver hands it. The driver holds only the streams' positions
 * (shard and offset, a few numbers per stream): it never sees, counts or permutes the data. Executors keep each
 * stream open between rounds, so a round continues where the last one stopped; a stream that lands elsewhere (an
 * executor lost, a task moved) is reopened at its position and reads the same data. Each round reports the positions
 * reached through an accumulator; they go into checkpoints, so {@code --resume} continues with the next unseen data.
 * An epoch ends when a stream runs out of shards.
 */
final class StreamedBatches<E> {
    private final JavaSparkContext sc;
    private final ExampleStreams<E> streams;
    private final BatchMaker<E> maker;
    private final int batchSize;
    private final String key = UUID.randomUUID().toString();
    private final CollectionAccumulator<String> reports;
    private StreamPosition[] positions;
    private boolean exhausted;
    private long round;

    StreamedBatches(JavaSparkContext sc, ExampleStreams<E> streams, BatchMaker<E> maker, int numStreams,
                    int batchSize, List<String> startAt) {
        this.sc = sc;
        this.streams = streams;
        this.maker = maker;
        this.batchSize = batchSize;
        this.reports = sc.sc().collectionAccumulator("stream positions");
        this.positions = new StreamPosition[numStreams];
        Arrays.fill(positions, StreamPosition.START);
        if (startAt != null) {
            if (startAt.size() != numStreams) {
                throw new IllegalStateException("the checkpoint has " + startAt.size() + " stream positions for "
                        + numStreams + " streams");
            }
            for (int i = 0; i < numStreams; i++) {
                positions[i] = StreamPosition.parse(startAt.get(i));
            }
        }
    }

    /** The next {@code perStream} batches of every stream, as DL4J trains on them (one partition per stream). */
    JavaRDD<MultiDataSet> round(int epoch, long perStream, List<String> inputs) {
        round++;
        int n = positions.length;
        StreamPosition[] from = positions.clone();
        long count = perStream * batchSize;
        long id = round;
        String run = key;
        ExampleStreams<E> s = streams;
        BatchMaker<E> m = maker;
        int b = batchSize;
        List<String> names = List.copyOf(inputs);
        CollectionAccumulator<String> acc = reports;
        return sc.parallelize(IntStream.range(0, n).boxed().toList(), n).mapPartitionsWithIndex((stream, x) -> {
            Take<E> t = Cursors.take(s, run + "/" + stream, stream, n, epoch, from[stream], count);
            acc.add(id + "|" + stream + "|" + t.end + "|" + t.exhausted + "|" + t.examples.size());
            List<MultiDataSet> batches = new ArrayList<>();
            for (int i = 0; i + b <= t.examples.size(); i += b) {
                batches.add(m.batch(t.examples.subList(i, i + b), epoch).toMultiDataSet(names));
            }
            return batches.iterator();
        }, true);
    }

    /** After a round was trained: the positions it reached; returns the batches it had (fewer at an epoch's end). */
    long finishRound() {
        Map<Integer, String[]> byStream = new java.util.HashMap<>();
        for (String r : reports.value()) {
            String[] f = r.split("\\|");
            if (Long.parseLong(f[0]) == round) {
                byStream.put(Integer.parseInt(f[1]), f);
            }
        }
        reports.reset();
        if (byStream.size() != positions.length) {
            throw new IllegalStateException("round " + round + ": " + byStream.size() + " of " + positions.length
                    + " streams reported where they stopped");
        }
        long batches = 0;
        for (int i = 0; i < positions.length; i++) {
            String[] f = byStream.get(i);
            positions[i] = StreamPosition.parse(f[2]);
            exhausted |= Boolean.parseBoolean(f[3]);
            batches += Long.parseLong(f[4]) / batchSize;
        }
        return batches;
    }

    boolean exhausted() {
        return exhausted;
    }

    /** A new epoch: every stream from its start (the new epoch orders the shards anew). */
    void nextEpoch() {
        Arrays.fill(positions, StreamPosition.START);
        exhausted = false;
    }

    /** The positions as a checkpoint records them. */
    List<String> positions() {
        return Arrays.stream(positions).map(StreamPosition::toString).toList();
    }

    /** What a stream gave for one request. */
    record Take<E>(StreamPosition from, long count, List<E> examples, StreamPosition end, boolean exhausted) {}

    /** The open streams of this executor, by run and stream. */
    static final class Cursors {
        private static final Map<String, Cursor<?>> OPEN = new ConcurrentHashMap<>();

        private Cursors() {}

        /** One stream's open reader and its last answer; requests for the same stream take turns on it. */
        private static final class Cursor<E> {
            int epoch = -1;
            ExampleStreams.Positioned<E> it;
            Take<E> last;
        }

        /**
         * {@code count} examples of a stream from {@code from}: the open stream goes on if it stands there, the same
         * request (a recomputed partition) gets the same answer, anything else reopens the stream at {@code from}.
         * Different streams read at the same time.
         */
        @SuppressWarnings("unchecked")
        static <E> Take<E> take(ExampleStreams<E> streams, String key, int stream, int n, int epoch,
                                StreamPosition from, long count) {
            Cursor<E> c = (Cursor<E>) OPEN.computeIfAbsent(key, k -> new Cursor<>());
            synchronized (c) {
                if (c.epoch == epoch && c.last != null && c.last.from().equals(from) && c.last.count() == count) {
                    return c.last;
                }
                if (c.it == null || c.epoch != epoch || !c.it.position().equals(from)) {
                    c.it = streams.open(stream, n, epoch, from);
                    c.epoch = epoch;
                }
                List<E> examples = new ArrayList<>();
                while (examples.size() < count && c.it.hasNext()) {
                    examples.add(c.it.next());
                }
                c.last = new Take<>(from, count, examples, c.it.position(), examples.size() < count);
                return c.last;
            }
        }

        /** Forgets the streams of a run (its end). */
        static void close(String run) {
            OPEN.keySet().removeIf(k -> k.startsWith(run + "/"));
        }
    }

    void close() {
        Cursors.close(key);
    }
}
