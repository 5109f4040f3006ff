package dev.attnspark.datasets.text;

import org.apache.spark.api.java.JavaRDD;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Causal-language-model preprocessing as perceiver-io's {@code TextDataModule} with {@code task=clm}
 * ({@code perceiver/data/text/common.py}): every text tokenized on its own, texts concatenated per batch of
 * {@code preproc_batch_size} consecutive ones and cut into chunks of {@code max_seq_len + 1} tokens (a batch's
 * remainder dropped, a batch shorter than one chunk kept as one short chunk), so that a chunk gives
 * {@code max_seq_len} inputs and their next tokens. A chunk's index is its batch number in the high 32 bits and its
 * place in the batch in the low ones, whatever the partitioning.
 */
public final class ClmChunks {
    private ClmChunks() {}

    /**
     * @param chunkSize        tokens per chunk ({@code max_seq_len + 1})
     * @param preprocBatchSize texts concatenated together
     * @param addEos           append the tokenizer's EOS to every text ({@code add_eos_token}; C4 separates its
     *                         documents so)
     */
    public static JavaRDD<TokenSequence> chunks(JavaRDD<String> texts, TextTokenizer tokenizer, boolean addSpecialTokens,
                                                boolean addEos, int chunkSize, int preprocBatchSize) {
        return MlmChunks.inBatches(texts, preprocBatchSize)
                .flatMap(b -> chunkBatch(b._2, tokenizer, addSpecialTokens, addEos, chunkSize, b._1 << 32).iterator());
    }

    /** One batch of texts tokenized, concatenated and cut (upstream's {@code chunk} over one map batch). */
    public static List<TokenSequence> chunkBatch(List<String> texts, TextTokenizer tokenizer, boolean addSpecialTokens,
                                                 boolean addEos, int chunkSize, long firstIndex) {
        int[] all = concatenated(texts, tokenizer, addSpecialTokens, addEos);
        int total = all.length;
        int kept = total >= chunkSize ? total / chunkSize * chunkSize : total;
        List<TokenSequence> out = new ArrayList<>(kept / chunkSize + 1);
        for (int from = 0; from < kept; from += chunkSize) {
            out.add(new TokenSequence(firstIndex + out.size(), Arrays.copyOfRange(all, from, Math.min(from + chunkSize,
                    kept))));
        }
        return out;
    }

    /** The texts tokenized one by one (with EOS after each when {@code addEos}) and joined. */
    static int[] concatenated(List<String> texts, TextTokenizer tokenizer, boolean addSpecialTokens, boolean addEos) {
        List<int[]> ids = new ArrayList<>(texts.size());
        int total = 0;
        for (String text : texts) {
            int[] t = tokenizer.encode(text, addSpecialTokens);
            if (addEos && tokenizer.eosId() >= 0) {
                t = Arrays.copyOf(t, t.length + 1);
                t[t.length - 1] = tokenizer.eosId();
            }
            ids.add(t);
            total = Math.addExact(total, t.length);
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] t : ids) {
            System.arraycopy(t, 0, all, at, t.length);
            at += t.length;
        }
        return all;
    }

    /** Each chunk as an example on its own. */
    public static JavaRDD<ClmExample> examples(JavaRDD<TokenSequence> chunks) {
        return chunks.map(c -> new ClmExample(c.index(), c.ids(), null));
    }

    /**
     * Each chunk with the chunk after it, for random shifts ({@code RandomShiftDataset}: one example fewer than
     * chunks). Chunks stay where they are: only the first chunk of every partition is collected (one per partition),
     * so that the last chunk of a partition finds its successor.
     */
    public static JavaRDD<ClmExample> withSuccessors(JavaRDD<TokenSequence> chunks) {
        List<scala.Tuple2<Integer, int[]>> firsts = chunks.mapPartitionsWithIndex((p, it) -> {
            List<scala.Tuple2<Integer, int[]>> l = new ArrayList<>(1);
            if (it.hasNext()) {
                l.add(new scala.Tuple2<>(p, it.next().ids()));
            }
            return l.iterator();
        }, true).collect();
        java.util.TreeMap<Integer, int[]> first = new java.util.TreeMap<>();
        firsts.forEach(t -> first.put(t._1, t._2));
        org.apache.spark.broadcast.Broadcast<java.util.TreeMap<Integer, int[]>> heads =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(chunks.context()).broadcast(first);
        return chunks.mapPartitionsWithIndex((p, it) -> {
            List<ClmExample> out = new ArrayList<>();
            TokenSequence prev = null;
            while (it.hasNext()) {
                TokenSequence c = it.next();
                if (prev != null) {
                    out.add(new ClmExample(prev.index(), prev.ids(), c.ids()));
                }
                prev = c;
            }
            java.util.Map.Entry<Integer, int[]> after = heads.value().higherEntry(p);
            if (prev != null && after != null) {
                out.add(new ClmExample(prev.index(), prev.ids(), after.getValue()));
            }
            return out.iterator();
        }, true);
    }

    /**
     * perceiver-io's {@code RandomShiftDataset}: chunk i joined with chunk i + 1 at {@code shift}, i.e.
     * {@code a[shift:] + b[:shift]}.
     */
    public static int[] shifted(int[] a, int[] b, int shift) {
        int[] out = new int[a.length];
        int tail = a.length - shift;
        System.arraycopy(a, shift, out, 0, tail);
        System.arraycopy(b, 0, out, tail, Math.min(shift, b.length));
        return tail + Math.min(shift, b.length) == a.length ? out : Arrays.copyOf(out, tail + Math.min(shift, b.length));
    }
}
