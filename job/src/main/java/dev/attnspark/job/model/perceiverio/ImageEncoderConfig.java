package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.core.EncoderConfig;

import java.util.Arrays;

/** perceiver-io's {@code ImageEncoderConfig}: the encoder configuration plus image shape and Fourier bands. */
public class ImageEncoderConfig extends EncoderConfig {
    /** Image shape, channels last: [height, width, channels] (or any number of spatial axes, then channels). */
    public int[] imageShape = {224, 224, 3};
    /** Fourier frequency bands per spatial axis. */
    public int numFrequencyBands = 32;

    @Override
    public void validate(String prefix) {
        super.validate(prefix);
        if (imageShape == null || imageShape.length < 2 || Arrays.stream(imageShape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException(prefix + "image_shape must be [spatial..., channels] with positive "
                    + "sizes, got " + Arrays.toString(imageShape));
        }
        if (numFrequencyBands <= 0) {
            throw new IllegalArgumentException(prefix + "num_frequency_bands must be > 0");
        }
    }
}
