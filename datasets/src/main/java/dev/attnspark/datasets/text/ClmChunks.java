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
        int kept = total >= chunkSize ? total / chunkSize * chunkSize : total;
        List<TokenSequence> out = new ArrayList<>(kept / chunkSize + 1);
        for (int from = 0; from < kept; from += chunkSize) {
            out.add(new TokenSequence(firstIndex + out.size(), Arrays.copyOfRange(all, from, Math.min(from + chunkSize,
                    kept))));
        }
        return out;
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
