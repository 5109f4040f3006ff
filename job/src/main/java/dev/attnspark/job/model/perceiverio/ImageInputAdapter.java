package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.FourierPositionEncoding;
import dev.attnspark.job.model.core.InputAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Flattens a channels-last image to [B, pixels, channels] and appends the Fourier position encoding of each pixel
 * (perceiver-io's {@code ImageInputAdapter}; no parameters).
 */
public final class ImageInputAdapter implements InputAdapter {
    private final int[] imageShape;
    private final int pixels;
    private final int imageChannels;
    private final INDArray positionEncoding;

    public ImageInputAdapter(int[] imageShape, int numFrequencyBands) {
        this.imageShape = imageShape.clone();
        int[] spatial = Arrays.copyOf(imageShape, imageShape.length - 1);
        this.imageChannels = imageShape[imageShape.length - 1];
        this.pixels = Arrays.stream(spatial).reduce(1, (a, b) -> a * b);
        this.positionEncoding = FourierPositionEncoding.encode(spatial, numFrequencyBands);
    }

    /** The [pixels, position channels] encoding (perceiver-io's {@code position_encoding} buffer). */
    public INDArray positionEncoding() {
        return positionEncoding;
    }

    /** Channels of the adapted input: the image channels plus, per spatial axis, its position and 2 x bands. */
    static long numInputChannels(int[] imageShape, int numFrequencyBands) {
        int spatialAxes = imageShape.length - 1;
        return imageShape[spatialAxes] + spatialAxes + 2L * numFrequencyBands * spatialAxes;
    }

    @Override
    public long numInputChannels() {
        return imageChannels + positionEncoding.size(1);
    }

    public long inputSize() {
        return (long) pixels * imageChannels;
    }

    @Override
    public Var forward(Tape t, INDArray input) {
        long b = input.size(0);
        if (input.length() != b * inputSize()) {
            throw new IllegalArgumentException("image input must be [batch, " + Arrays.toString(imageShape)
                    .replaceAll("[\\[\\]]", "") + "] (channels last, or flattened), got " + Arrays.toString(input.shape()));
        }
        // [B, pixels, channels + position channels]: the encoding is the same for every image, so it is copied into
        // each example's rows once, without tiling it to the batch first
        long posChannels = positionEncoding.size(1);
        INDArray out = Nd4j.createUninitialized(input.dataType(), b, pixels, imageChannels + posChannels);
        INDArray pos = positionEncoding.castTo(input.dataType());
        out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, imageChannels))
                .assign(input.reshape('c', b, pixels, imageChannels));
        for (long i = 0; i < b; i++) {
            out.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(imageChannels,
                    imageChannels + posChannels)).assign(pos);
        }
        return t.constant(out);
    }
}
