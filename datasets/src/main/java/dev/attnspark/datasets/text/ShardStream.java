package dev.attnspark.datasets.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.DatasetException;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Streaming preprocessing for corpora larger than memory, as perceiver-io's {@code C4DataModule} over Hugging Face's
 * streaming datasets: the shards (files) are put in a seeded order per epoch and dealt out to the streams (stream s of
 * S reads shards s, s + S, ...); each shard's documents pass a bounded shuffle buffer ({@code shuffle_window_size}),
 * are tokenized, joined with EOS after each document in groups of {@code concat_batch_size} and cut into chunks of
 * random length in [{@code min_seq_len}, {@code max_seq_len}] + 1 (fixed {@code max_seq_len + 1} without a minimum);
 * each group's remainder is dropped. Everything a stream yields is a function of the seed, the epoch and the shard, so
 * a stream reopened at a {@link StreamPosition} (its shard, and the chunks already taken from it) goes on exactly as
 * it would have. The buffer is emptied at the end of each shard, so a position needs no buffer contents. Nothing
 * of the data passes through the driver.
 */
public final class ShardStream implements Iterator<TokenSequence> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How streams cut their shards.
     *
     * @param files             the split's shards, in path order
     * @param json              whether the shards are JSON lines with a {@code text} field (else text lines)
     * @param blankLinesEmpty   raw WikiText's blank lines as {@code ""} (text lines only)
     * @param tokenizer         the tokenizer
     * @param addEos            EOS after every document
     * @param maxSeqLen         longest input (chunks are one longer)
     * @param minSeqLen         shortest random input length, or 0 for fixed-length chunks
     * @param concatBatchSize   documents joined before cutting
     * @param shuffleWindowSize documents in the shuffle buffer (1: no shuffling)
     * @param shuffleShards     whether each epoch puts the shards in a seeded order (else path order: validation)
     * @param seed              the run seed
     */
    public record Spec(List<String> files, boolean json, boolean blankLinesEmpty, TextTokenizer tokenizer,
                       boolean addEos, int maxSeqLen, int minSeqLen, int concatBatchSize, int shuffleWindowSize,
                       boolean shuffleShards, long seed) implements Serializable {
        public Spec {
            files = List.copyOf(files);
            if (files.isEmpty() || maxSeqLen < 1 || minSeqLen < 0 || minSeqLen > maxSeqLen || concatBatchSize < 1
                    || shuffleWindowSize < 1) {
                throw new IllegalArgumentException("a stream needs shards, 0 <= min_seq_len <= max_seq_len, "
                        + "concat_batch_size >= 1 and shuffle_window_size >= 1");
            }
        }

        /** The shards of an epoch in its seeded order. */
        public List<String> shardOrder(int epoch) {
            List<String> order = new ArrayList<>(files);
            if (shuffleShards) {
                Collections.shuffle(order, new Random(mix(seed, epoch, -1)));
            }
            return order;
        }
    }

    private final Spec spec;
    private final Configuration conf;
    private final List<String> mine;
    private final int epoch;
    private int shard;
    private long offset;
    private Iterator<TokenSequence> current;
    private TokenSequence next;

    private ShardStream(Spec spec, Configuration conf, List<String> mine, int epoch, StreamPosition from) {
        this.spec = spec;
        this.conf = conf;
        this.mine = mine;
        this.epoch = epoch;
        this.shard = from.shard();
        this.offset = 0;
        if (shard < mine.size()) {
            current = shardChunks(mine.get(shard));
            for (long i = 0; i < from.offset() && current.hasNext(); i++) {
                current.next();
                offset++;
            }
        }
    }

    /**
     * Stream {@code stream} of {@code streams} in {@code epoch}, from {@code from}. A stream with no shard (more
     * streams than shards) is empty.
     */
    public static ShardStream open(Spec spec, Configuration conf, int stream, int streams, int epoch,
                                   StreamPosition from) {
        List<String> order = spec.shardOrder(epoch);
        List<String> mine = new ArrayList<>();
        for (int i = stream; i < order.size(); i += streams) {
            mine.add(order.get(i));
        }
        return new ShardStream(spec, conf, mine, epoch, from);
    }

    /** The position of the next chunk. */
    public StreamPosition position() {
        hasNext();
        return new StreamPosition(shard, offset);
    }

    @Override
    public boolean hasNext() {
        while (next == null) {
            if (current != null && current.hasNext()) {
                next = current.next();
                return true;
            }
            if (current != null) {
                shard++;
                offset = 0;
            }
            if (shard >= mine.size()) {
                current = null;
                return false;
            }
            current = shardChunks(mine.get(shard));
        }
        return true;
    }

    @Override
    public TokenSequence next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        TokenSequence t = next;
        next = null;
        offset++;
        return t;
    }

    /** A shard's chunks: its documents shuffled in a window, joined in groups and cut. */
    private Iterator<TokenSequence> shardChunks(String file) {
        Iterator<String> docs = shuffled(documents(file), spec.shuffleWindowSize(),
                new SplittableRandom(mix(spec.seed(), epoch, file.hashCode())));
        SplittableRandom lengths = new SplittableRandom(mix(spec.seed() + 1, epoch, file.hashCode()));
        long shardKey = ((long) file.hashCode() & 0xffffffffL) << 32;
        return new Iterator<>() {
            private final ArrayDeque<TokenSequence> pending = new ArrayDeque<>();
            private long made;

            @Override
            public boolean hasNext() {
                while (pending.isEmpty() && docs.hasNext()) {
                    List<String> group = new ArrayList<>(spec.concatBatchSize());
                    while (group.size() < spec.concatBatchSize() && docs.hasNext()) {
                        group.add(docs.next());
                    }
                    int[] all = ClmChunks.concatenated(group, spec.tokenizer(), false, spec.addEos());
                    int total = all.length;
                    for (int from = 0; ; ) {
                        int len = spec.minSeqLen() == 0 ? spec.maxSeqLen() + 1
                                : spec.minSeqLen() + 1 + lengths.nextInt(spec.maxSeqLen() - spec.minSeqLen() + 1);
                        if (from + len > total) {
                            break;
                        }
                        pending.add(new TokenSequence(shardKey | made++, Arrays.copyOfRange(all, from, from + len)));
                        from += len;
                    }
                }
                return !pending.isEmpty();
            }

            @Override
            public TokenSequence next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return pending.poll();
            }
        };
    }

    private Iterator<String> documents(String file) {
        Iterator<String> lines = Utf8Lines.read(file, conf, spec.blankLinesEmpty());
        if (!spec.json()) {
            return lines;
        }
        return new Iterator<>() {
            private long line;

            @Override
            public boolean hasNext() {
                return lines.hasNext();
            }

            @Override
            public String next() {
                String l = lines.next();
                line++;
                try {
                    JsonNode text = JSON.readTree(l).get("text");
                    if (text == null || !text.isTextual()) {
                        throw new DatasetException(file + ": line " + line + " has no \"text\" string");
                    }
                    return text.asText();
                } catch (IOException e) {
                    throw new DatasetException(file + ": line " + line + " is not JSON (" + e.getMessage()
                            .lines().findFirst().orElse("") + ")", e);
                }
            }
        };
    }

    /** A bounded shuffle: fill a window, then emit a random one of it for every new item, then drain it randomly. */
    static <T> Iterator<T> shuffled(Iterator<T> in, int window, SplittableRandom rnd) {
        if (window <= 1) {
            return in;
        }
        List<T> buffer = new ArrayList<>(Math.min(window, 1 << 16));
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                while (buffer.size() < window && in.hasNext()) {
                    buffer.add(in.next());
                }
                return !buffer.isEmpty();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int i = rnd.nextInt(buffer.size());
                T t = buffer.get(i);
                T last = buffer.remove(buffer.size() - 1);
                if (i < buffer.size()) {
                    buffer.set(i, last);
                }
                return t;
            }
        };
    }

    static long mix(long seed, int epoch, long key) {
        return seed * 0x9E3779B97F4A7C15L ^ (epoch + 7L) * 0xC2B2AE3D27D4EB4FL ^ key * 0x165667B19E3779F9L;
    }
}
