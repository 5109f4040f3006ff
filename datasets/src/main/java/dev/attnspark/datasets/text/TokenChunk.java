package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * One masked-language-model input of at most {@code max_seq_len} tokens, cut from concatenated texts, with the word
 * ids that whole-word masking needs. {@code index} identifies the chunk (it seeds its masks). A plain class, not a
 * record: chunks cross Spark shuffles, and Spark's Kryo 4 cannot serialize records.
 */
public final class TokenChunk implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long index;
    private final int[] ids;
    private final int[] wordIds;

    public TokenChunk(long index, int[] ids, int[] wordIds) {
        if (ids.length != wordIds.length) {
            throw new IllegalArgumentException(ids.length + " token ids but " + wordIds.length + " word ids");
        }
        this.index = index;
        this.ids = ids;
        this.wordIds = wordIds;
    }

    public long index() {
        return index;
    }

    public int[] ids() {
        return ids;
    }

    public int[] wordIds() {
        return wordIds;
    }

    public int length() {
        return ids.length;
    }
}
