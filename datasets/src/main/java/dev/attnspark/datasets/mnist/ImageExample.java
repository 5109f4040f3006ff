package dev.attnspark.datasets.mnist;

import java.io.Serializable;

/**
 * One labelled image as stored: raw pixel bytes (0–255, row-major, channels last) and its position in the split.
 * A plain class, not a record: examples cross Spark shuffles, and Spark's Kryo 4 cannot serialize records.
 */
public final class ImageExample implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final int label;
    private final byte[] pixels;

    public ImageExample(int index, int label, byte[] pixels) {
        this.index = index;
        this.label = label;
        this.pixels = pixels;
    }

    public int index() {
        return index;
    }

    public int label() {
        return label;
    }

    public byte[] pixels() {
        return pixels;
    }

    /** Pixels normalized as perceiver-io's MNIST transform: {@code ToTensor} (x/255) then {@code Normalize(0.5, 0.5)}. */
    public float[] normalizedPixels() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((pixels[i] & 0xff) / 255f - 0.5f) / 0.5f;
        }
        return out;
    }
}
