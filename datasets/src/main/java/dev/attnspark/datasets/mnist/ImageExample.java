package dev.attnspark.datasets.mnist;

import java.io.Serializable;

/**
 * One labelled image as stored: raw pixel bytes (0–255, row-major, channels last) and its position in the split.
 */
public record ImageExample(int index, int label, byte[] pixels) implements Serializable {

    /** Pixels normalized as perceiver-io's MNIST transform: {@code ToTensor} (x/255) then {@code Normalize(0.5, 0.5)}. */
    public float[] normalizedPixels() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((pixels[i] & 0xff) / 255f - 0.5f) / 0.5f;
        }
        return out;
    }
}
