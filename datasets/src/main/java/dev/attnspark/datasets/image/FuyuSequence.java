package dev.attnspark.datasets.image;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * One image-caption example laid out as Hugging Face's {@code FuyuProcessor} lays it out: the image block (per row
 * of patches one placeholder token per patch, then a newline token), BOS, the text's tokens, and the
 * beginning-of-answer token ({@code <0x04>}) that the processor appends to every text. Labels are the ids, -100 over
 * the image block: the causal loss is on the text (the model shifts them, as Hugging Face's loss does).
 *
 * A plain class, not a record: sequences cross Spark shuffles (Kryo 4).
 */
public final class FuyuSequence implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int IGNORE = -100;
    private final int[] ids;
    private final int[] labels;
    private final float[][] patches;

    /**
     * @param ids     the token ids
     * @param labels  the ids with -100 over the image block
     * @param patches the image's patches, in the order of the placeholders
     */
    public FuyuSequence(int[] ids, int[] labels, float[][] patches) {
        this.ids = ids;
        this.labels = labels;
        this.patches = patches;
    }

    public int[] ids() {
        return ids;
    }

    public int[] labels() {
        return labels;
    }

    public float[][] patches() {
        return patches;
    }

    /** The sequence of an image and a text's token ids (tokenized without special tokens). */
    public static FuyuSequence of(FuyuImageProcessor.ImageTokens image, int bos, int[] text, int boa) {
        int n = image.ids().length;
        int[] ids = new int[n + 1 + text.length + 1];
        System.arraycopy(image.ids(), 0, ids, 0, n);
        ids[n] = bos;
        System.arraycopy(text, 0, ids, n + 1, text.length);
        ids[ids.length - 1] = boa;
        int[] labels = ids.clone();
        Arrays.fill(labels, 0, n, IGNORE);
        return new FuyuSequence(ids, labels, image.patches());
    }

    /** Tokens in the sequence. */
    public int length() {
        return ids.length;
    }

    /**
     * A batch padded on the left, as the processor pads (with {@code pad_token_id}, attention mask 0 there, labels
     * -100); the patches of example b fill the first rows of its [P, values] block, P the batch's largest count.
     *
     * @param ids           [B, T]
     * @param attentionMask [B, T], 1 at real tokens
     * @param labels        [B, T]
     * @param patches       [B, P, values], zeros past an example's own patches
     */
    public record Batch(float[] ids, float[] attentionMask, float[] labels, float[] patches, int size, int length,
                        int maxPatches, int patchValues) {
    }

    /** {@code examples} padded on the left to the longest of them. */
    public static Batch leftPadded(List<FuyuSequence> examples, int padId) {
        int b = examples.size();
        int t = examples.stream().mapToInt(FuyuSequence::length).max().orElseThrow();
        int p = Math.max(1, examples.stream().mapToInt(e -> e.patches().length).max().orElseThrow());
        int values = examples.stream().filter(e -> e.patches().length > 0).findFirst()
                .map(e -> e.patches()[0].length).orElse(0);
        float[] ids = new float[b * t], mask = new float[b * t], labels = new float[b * t];
        float[] patches = new float[b * p * values];
        for (int e = 0; e < b; e++) {
            FuyuSequence s = examples.get(e);
            int pad = t - s.length();
            for (int i = 0; i < t; i++) {
                boolean real = i >= pad;
                ids[e * t + i] = real ? s.ids()[i - pad] : padId;
                mask[e * t + i] = real ? 1 : 0;
                labels[e * t + i] = real ? s.labels()[i - pad] : IGNORE;
            }
            for (int k = 0; k < s.patches().length; k++) {
                if (s.patches()[k].length != values) {
                    throw new IllegalArgumentException("patches of " + s.patches()[k].length + " values in a batch of "
                            + values);
                }
                System.arraycopy(s.patches()[k], 0, patches, (e * p + k) * values, values);
            }
        }
        return new Batch(ids, mask, labels, patches, b, t, p, values);
    }
}
