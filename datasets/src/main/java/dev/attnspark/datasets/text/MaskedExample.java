package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * A masked-language-model example: the masked input ids and the labels (the original id where a token is to be
 * predicted, {@link WholeWordMasking#IGNORE_LABEL} elsewhere). A plain class, not a record (Spark's Kryo 4).
 */
public final class MaskedExample implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long index;
    private final int[] inputIds;
    private final int[] labels;

    public MaskedExample(long index, int[] inputIds, int[] labels) {
        this.index = index;
        this.inputIds = inputIds;
        this.labels = labels;
    }

    /** The index of the chunk this example was masked from. */
    public long index() {
        return index;
    }

    public int[] inputIds() {
        return inputIds;
    }

    public int[] labels() {
        return labels;
    }
}
