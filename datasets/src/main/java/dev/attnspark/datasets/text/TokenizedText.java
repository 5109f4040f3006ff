package dev.attnspark.datasets.text;

import java.io.Serializable;

/** A labelled text as token ids, for classification. A plain class, not a record (Spark's Kryo 4). */
public final class TokenizedText implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int label;
    private final int[] ids;

    public TokenizedText(int label, int[] ids) {
        this.label = label;
        this.ids = ids;
    }

    public int label() {
        return label;
    }

    public int[] ids() {
        return ids;
    }
}
