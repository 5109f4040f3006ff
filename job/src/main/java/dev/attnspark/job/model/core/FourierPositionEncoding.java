package dev.attnspark.job.model.core;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fourier features of positions on a grid, exactly as perceiver-io's {@code FourierPositionEncoding}: coordinates
 * in [-1, 1] per axis ({@code torch.linspace}), {@code num_bands} frequencies per axis from 1 to size/2, channels
 * ordered [positions (d), sin per axis (d·bands), cos per axis (d·bands)], grid flattened row-major.
 */
public final class FourierPositionEncoding {

    private FourierPositionEncoding() {}

    /** Channels of the encoding for a d-dimensional grid: {@code d · (2 · bands + 1)}. */
    public static int numChannels(int[] spatialShape, int numBands) {
        return spatialShape.length * (2 * numBands + 1);
    }

    /** The encoding as [prod(spatialShape), numChannels] floats. */
    public static INDArray encode(int[] spatialShape, int numBands) {
        int d = spatialShape.length;
        int positions = 1;
        for (int s : spatialShape) {
            positions *= s;
        }
        int channels = numChannels(spatialShape, numBands);
        float[] out = new float[positions * channels];
        double[][] coords = new double[d][];
        double[][] freqs = new double[d][];
        for (int a = 0; a < d; a++) {
            coords[a] = linspace(-1.0, 1.0, spatialShape[a]);
            freqs[a] = linspace(1.0, spatialShape[a] / 2.0, numBands);
        }
        int[] index = new int[d];
        for (int p = 0; p < positions; p++) {
            int rest = p;
            for (int a = d - 1; a >= 0; a--) {
                index[a] = rest % spatialShape[a];
                rest /= spatialShape[a];
            }
            int base = p * channels;
            for (int a = 0; a < d; a++) {
                double x = coords[a][index[a]];
                out[base + a] = (float) x;
                for (int f = 0; f < numBands; f++) {
                    double angle = Math.PI * x * freqs[a][f];
                    out[base + d + a * numBands + f] = (float) Math.sin(angle);
                    out[base + d + d * numBands + a * numBands + f] = (float) Math.cos(angle);
                }
            }
        }
        return Nd4j.create(out, new long[] {positions, channels}, 'c');
    }

    /** {@code torch.linspace}: evenly spaced, the second half computed from the end as PyTorch does. */
    static double[] linspace(double start, double end, int steps) {
        double[] v = new double[steps];
        if (steps == 1) {
            v[0] = start;
            return v;
        }
        double step = (end - start) / (steps - 1);
        int half = steps / 2;
        for (int i = 0; i < steps; i++) {
            v[i] = i < half ? start + i * step : end - (steps - 1 - i) * step;
        }
        return v;
    }
}
