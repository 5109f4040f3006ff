package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * A run of token ids cut from concatenated texts (a causal-language-model chunk of {@code max_seq_len + 1} tokens),
 * with its position in the split. A plain class, not a record: chunks cross Spark shuffles (Kryo 4).
 */
public final class TokenSequence implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long index;
    private final int[] ids;

    public TokenSequence(long index, int[] ids) {
        this.index = index;
        this.ids = ids;
    }

    public long index() {
        return index;
    }

    public int[] ids() {
        return ids;
    }

    public int length() {
        return ids.length;
    }
}
