package dev.attnspark.datasets.text;

import java.util.Arrays;
import java.util.List;

/**
 * Token sequences as one batch, padded on the right with [PAD] to the longest sequence of the batch but at most
 * {@code max_seq_len} (longer ones cut from the right), with a pad mask that is true at padding: perceiver-io's
 * {@code DefaultCollator} ({@code perceiver/data/text/collator.py}, {@code max_length = min(longest, max_seq_len)},
 * the tokenizer's right padding) and {@code Collator.__call__}'s {@code pad_mask = ~attention_mask}.
 */
public final class PaddedBatch {
    private final int[][] ids;
    private final boolean[][] padMask;

    private PaddedBatch(int[][] ids, boolean[][] padMask) {
        this.ids = ids;
        this.padMask = padMask;
    }

    public static PaddedBatch of(List<int[]> sequences, int maxSeqLen) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one sequence");
        }
        int length = Math.min(maxSeqLen, sequences.stream().mapToInt(s -> s.length).max().orElse(0));
        int[][] ids = pad(sequences, length, PerceiverTokenizer.PAD);
        boolean[][] mask = new boolean[ids.length][length];
        for (int i = 0; i < ids.length; i++) {
            Arrays.fill(mask[i], Math.min(sequences.get(i).length, length), length, true);
        }
        return new PaddedBatch(ids, mask);
    }

    /**
     * Each sequence cut or padded with {@code padValue} to {@code length}: for the labels of masked-language-model
     * batches, padded with {@link WholeWordMasking#IGNORE_LABEL} to the length of their inputs.
     */
    public static int[][] pad(List<int[]> sequences, int length, int padValue) {
        int[][] out = new int[sequences.size()][];
        for (int i = 0; i < out.length; i++) {
            int[] s = sequences.get(i);
            out[i] = Arrays.copyOf(s, length);
            if (s.length < length) {
                Arrays.fill(out[i], s.length, length, padValue);
            }
        }
        return out;
    }

    /** Token ids, {@code [batch][length]}. */
    public int[][] ids() {
        return ids;
    }

    /** True at padding positions, {@code [batch][length]}. */
    public boolean[][] padMask() {
        return padMask;
    }

    public int size() {
        return ids.length;
    }

    public int length() {
        return ids.length == 0 ? 0 : ids[0].length;
    }
}
