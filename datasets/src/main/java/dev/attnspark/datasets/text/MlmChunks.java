package dev.attnspark.datasets.text;

import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Masked-language-model preprocessing as perceiver-io's {@code TextDataModule} ({@code perceiver/data/text/common.py},
 * {@code _tokenize_dataset} then {@code _chunk_dataset}), as a Spark transformation: texts to fixed-length chunks of
 * token ids with their word ids, then a mask per epoch.
 * <ul>
 * <li>Each text is tokenized on its own (specials as configured) and its word ids computed on its own, so word ids
 *     restart in every text and are kept as they are through concatenation (upstream {@code word_ids} column).</li>
 * <li>Concatenation and chunking happen per batch of {@code preproc_batch_size} consecutive texts, as upstream's
 *     {@code Dataset.map(chunk, batched=True, batch_size=preproc_batch_size)}: a batch whose tokens number at least
 *     {@code max_seq_len} is cut into full chunks and its remainder dropped; a batch shorter than that gives one
 *     short chunk. Chunks cut at fixed positions, so a word can be split across two chunks.</li>
 * <li>Batches are the split's texts {@code [k·preproc_batch_size, (k+1)·preproc_batch_size)} in reading order,
 *     whatever the partitioning (upstream, with one preprocessing worker): so training, a resumed run and
 *     {@code evaluate} cut the same chunks whatever their number of workers.</li>
 * <li>A chunk's index is its batch number in the high 32 bits and its position in the batch in the low ones: stable
 *     for a given input, and what seeds its masks.</li>
 * </ul>
 */
public final class MlmChunks {
    private MlmChunks() {}

    /**
     * Texts to chunks in order: the texts are numbered, grouped into batches of {@code preproc_batch_size}
     * consecutive texts (one shuffle of the texts), and each batch is chunked on its own, in batch order.
     */
    public static JavaRDD<TokenChunk> chunks(JavaRDD<String> texts, MlmOptions options) {
        return inBatches(texts, options.preprocBatchSize())
                .flatMap(b -> chunkBatch(b._2, options.maxSeqLen(), options.addSpecialTokens(), b._1 << 32).iterator());
    }

    /**
     * Texts numbered in reading order and grouped into batches of {@code size} consecutive ones (upstream's
     * {@code Dataset.map(batched=True, batch_size=size)}), keyed and sorted by batch number.
     */
    static org.apache.spark.api.java.JavaPairRDD<Long, List<String>> inBatches(JavaRDD<String> texts, long size) {
        int partitions = texts.getNumPartitions();
        return texts.zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2 / size, new Tuple2<>(t._2, t._1)))
                .groupByKey()
                .mapValues(batch -> {
                    List<Tuple2<Long, String>> l = new ArrayList<>();
                    batch.forEach(l::add);
                    l.sort(Comparator.comparingLong(Tuple2::_1));
                    List<String> ordered = new ArrayList<>(l.size());
                    l.forEach(x -> ordered.add(x._2));
                    return ordered;
                })
                .sortByKey(true, partitions);
    }

    /** The chunks of a sequence of texts (one partition), numbered from {@code firstIndex}. */
    public static Iterator<TokenChunk> chunks(Iterator<String> texts, MlmOptions options, long firstIndex) {
        return new Iterator<>() {
            private final List<TokenChunk> pending = new ArrayList<>();
            private int next;
            private long index = firstIndex;

            @Override
            public boolean hasNext() {
                while (next == pending.size() && texts.hasNext()) {
                    pending.clear();
                    next = 0;
                    List<String> batch = new ArrayList<>(options.preprocBatchSize());
                    while (batch.size() < options.preprocBatchSize() && texts.hasNext()) {
                        batch.add(texts.next());
                    }
                    for (TokenChunk c : chunkBatch(batch, options.maxSeqLen(), options.addSpecialTokens(), index)) {
                        pending.add(c);
                        index++;
                    }
                }
                return next < pending.size();
            }

            @Override
            public TokenChunk next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return pending.get(next++);
            }
        };
    }

    /** Tokenizes, concatenates and cuts one batch of texts (upstream's {@code chunk} over one map batch). */
    static List<TokenChunk> chunkBatch(List<String> texts, int chunkSize, boolean addSpecialTokens, long firstIndex) {
        int total = 0;
        List<int[]> ids = new ArrayList<>(texts.size());
        for (String text : texts) {
            int[] t = PerceiverTokenizer.encode(text, addSpecialTokens);
            ids.add(t);
            total = Math.addExact(total, t.length);
        }
        int[] allIds = new int[total];
        int[] allWords = new int[total];
        int at = 0;
        for (int[] t : ids) {
            System.arraycopy(t, 0, allIds, at, t.length);
            System.arraycopy(PerceiverTokenizer.wordIds(t), 0, allWords, at, t.length);
            at += t.length;
        }
        int kept = total >= chunkSize ? total / chunkSize * chunkSize : total;
        List<TokenChunk> out = new ArrayList<>(kept / chunkSize + 1);
        for (int from = 0; from < kept; from += chunkSize) {
            int to = Math.min(from + chunkSize, kept);
            out.add(new TokenChunk(firstIndex + out.size(), Arrays.copyOfRange(allIds, from, to),
                    Arrays.copyOfRange(allWords, from, to)));
        }
        return out;
    }

    /**
     * The chunks masked for {@code epoch}: a fresh mask per epoch, or with {@code static_masking} the same mask every
     * epoch (a pure function of seed and chunk index, so equal to masking once at preprocessing; persist the result
     * to compute it only once).
     */
    public static JavaRDD<MaskedExample> masked(JavaRDD<TokenChunk> chunks, MlmOptions options, int epoch) {
        WholeWordMasking masking = options.masking();
        int e = options.staticMasking() ? WholeWordMasking.STATIC_EPOCH : epoch;
        if (e < 0 && !options.staticMasking()) {
            throw new IllegalArgumentException("epoch must be >= 0, not " + epoch);
        }
        return chunks.map(c -> masking.mask(c, e));
    }
}
