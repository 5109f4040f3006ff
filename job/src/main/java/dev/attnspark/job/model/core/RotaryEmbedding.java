package dev.attnspark.job.model.core;

import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Rotary position embedding of a sequence, as perceiver-io's {@code FrequencyPositionEncoding} and
 * {@code RotaryPositionEmbedding}: the first {@code rotated} channels of every head are turned by
 * {@code position · inv_freq}, with {@code inv_freq[i] = 10000^(-2i / rotated)}, each frequency serving one channel
 * pair. Positions are per example (left padding shifts them), and queries and keys shorter than the sequence use its
 * last positions (right-aligned, as in Perceiver AR). Hugging Face's GPT-NeoX family (Persimmon, Fuyu's decoder)
 * pairs channel i with channel i + rotated/2 instead of its neighbour ({@link Layout#HALVES}).
 */
public final class RotaryEmbedding {
    /** Which channels form a rotated pair. */
    public enum Layout {
        /** Neighbours (2i, 2i+1), as perceiver-io's {@code rearrange("... (d r) -> ... d r", r=2)}. */
        PAIRS,
        /** Halves (i, i + R/2), as Hugging Face's {@code rotate_half} and {@code cat((freqs, freqs))}. */
        HALVES
    }

    private final int heads;
    private final Layout layout;
    private final INDArray cos;
    private final INDArray sin;

    private RotaryEmbedding(int heads, Layout layout, INDArray cos, INDArray sin) {
        this.heads = heads;
        this.layout = layout;
        this.cos = cos;
        this.sin = sin;
    }

    /** {@code inv_freq} of {@code rotated} channels (the buffer {@code frq_pos_encoding.inv_freq} upstream). */
    public static INDArray inverseFrequencies(int rotated) {
        float[] f = new float[rotated / 2];
        for (int i = 0; i < f.length; i++) {
            // as torch computes it: 1 / 10000 ** (arange(0, dim, 2).float() / dim), in float32
            f[i] = (float) (1.0 / Math.pow(10000.0, (float) (2 * i) / (float) rotated));
        }
        return Nd4j.create(f, new long[] {f.length}, 'c');
    }

    /**
     * {@code inv_freq} of {@code rotated} channels with base {@code theta}, in float32 step by step as Hugging Face's
     * default rope initialisation computes it: {@code 1 / theta ** (arange(0, dim, 2).float() / dim)}.
     */
    public static INDArray inverseFrequencies(int rotated, double theta) {
        float[] f = new float[rotated / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / (float) rotated;
            f[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return Nd4j.create(f, new long[] {f.length}, 'c');
    }

    /**
     * @param positions [B, L] absolute positions
     * @param invFreq   [R/2] inverse frequencies
     * @param heads     attention heads the channels are split into
     */
    public static RotaryEmbedding of(INDArray positions, INDArray invFreq, int heads) {
        return of(positions, invFreq, heads, Layout.PAIRS);
    }

    /** As {@link #of(INDArray, INDArray, int)} with the pairing of {@code layout}. */
    public static RotaryEmbedding of(INDArray positions, INDArray invFreq, int heads, Layout layout) {
        long b = positions.size(0), l = positions.size(1), half = invFreq.length();
        INDArray base = positions.castTo(DataType.FLOAT).reshape(b, l, 1).mul(invFreq.reshape(1, 1, half));
        INDArray angles;
        if (layout == Layout.PAIRS) {
            // angles [B, L, R]: each frequency twice in a row, as upstream's repeat "(pf r), r=2"
            angles = Nd4j.createUninitialized(DataType.FLOAT, b, l, half, 2);
            angles.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0)).assign(base);
            angles.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(1)).assign(base);
            angles = angles.reshape('c', b, l, 2 * half);
        } else {
            angles = Nd4j.concat(2, base, base);
        }
        return new RotaryEmbedding(heads, layout, Transforms.cos(angles, true), Transforms.sin(angles, true));
    }

    /** The positions {@code keep[b]} of each example (after prefix dropout), in that order. */
    public RotaryEmbedding pick(int[][] keep) {
        return new RotaryEmbedding(heads, layout, F.pickPositions(cos, keep), F.pickPositions(sin, keep));
    }

    /** The positions [from, to) of every example. */
    public RotaryEmbedding range(long from, long to) {
        return new RotaryEmbedding(heads, layout, cos.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to),
                NDArrayIndex.all()).dup('c'), sin.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to),
                NDArrayIndex.all()).dup('c'));
    }

    /** This sequence followed by {@code next} (keys: prefix then latents). */
    public RotaryEmbedding concat(RotaryEmbedding next) {
        return new RotaryEmbedding(heads, layout, Nd4j.concat(1, cos, next.cos), Nd4j.concat(1, sin, next.sin));
    }

    public long length() {
        return cos.size(1);
    }

    /** Rotates x [B, N, H·C]; with N shorter than this sequence, by its last N positions. */
    public Var rotate(Var x) {
        long n = x.size(1), l = length();
        if (n > l) {
            throw new IllegalArgumentException("rotary embedding of " + l + " positions for " + n + " queries/keys");
        }
        RotaryEmbedding r = n == l ? this : range(l - n, l);
        return F.rotary(x, heads, r.cos, r.sin, layout == Layout.HALVES);
    }
}
