package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * One text as read from a dataset: its label ({@link #NO_LABEL} for unlabelled text), where it came from, and the
 * rating the source gives where it has one (aclImdb's file names), else {@link #NO_RATING}. A plain class, not a
 * record: examples cross Spark shuffles, and Spark's Kryo 4 cannot serialize records.
 */
public final class TextExample implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The label of unlabelled text (Hugging Face IMDb's {@code unsupervised} split). */
    public static final int NO_LABEL = -1;
    public static final int NO_RATING = -1;
    private final String text;
    private final int label;
    private final String source;
    private final int rating;

    public TextExample(String text, int label, String source, int rating) {
        this.text = text;
        this.label = label;
        this.source = source;
        this.rating = rating;
    }

    public String text() {
        return text;
    }

    public int label() {
        return label;
    }

    /** The file the text was read from. */
    public String source() {
        return source;
    }

    public int rating() {
        return rating;
    }

    @Override
    public String toString() {
        return "TextExample[label=" + label + ", rating=" + rating + ", source=" + source + ", text="
                + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "]";
    }
}
