package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * A causal-language-model example: a chunk of {@code max_seq_len + 1} tokens and, for random shifts, the chunk after
 * it (null when shifts are off). A plain class, not a record (Spark's Kryo 4).
 */
public final class ClmExample implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long index;
    private final int[] ids;
    private final int[] next;

    public ClmExample(long index, int[] ids, int[] next) {
        this.index = index;
        this.ids = ids;
        this.next = next;
    }

    public long index() {
        return index;
    }

    public int[] ids() {
        return ids;
    }

    /** The following chunk, or null. */
    public int[] next() {
        return next;
    }
}
