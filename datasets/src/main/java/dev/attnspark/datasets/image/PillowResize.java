package dev.attnspark.datasets.image;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} of an 8-bit RGB image, value for value (libImaging's
 * {@code Resample.c}): a separable triangle filter whose support widens with the downscaling factor (so shrinking
 * averages, as an antialiasing filter), coefficients normalised per output pixel and turned into 22-bit fixed point,
 * the horizontal pass first, each pass rounded and clipped to 8 bits.
 */
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {}

    /** The image resized to {@code width} x {@code height}; the image itself when the size is its own. */
    public static RgbImage bilinear(RgbImage in, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resize to " + width + " x " + height);
        }
        if (width == in.width() && height == in.height()) {
            return in;
        }
        Coefficients vertical = Coefficients.of(in.height(), height);
        int first = vertical.min[0];
        int last = vertical.min[height - 1] + vertical.count[height - 1];
        RgbImage rows = in;
        int offset = 0;
        if (width != in.width()) {
            rows = horizontal(in, Coefficients.of(in.width(), width), first, last - first);
            offset = first;
        }
        return height != in.height() ? vertical(rows, vertical, offset) : rows;
    }

    /** Rows {@code [first, first + count)} of {@code in}, each resampled to the coefficients' width. */
    private static RgbImage horizontal(RgbImage in, Coefficients k, int first, int count) {
        int w = k.min.length;
        byte[] out = new byte[3 * w * count];
        byte[] src = in.pixels();
        for (int y = 0; y < count; y++) {
            int rowBase = (y + first) * in.width() * 3;
            for (int x = 0; x < w; x++) {
                convolve(src, rowBase + k.min[x] * 3, 3, k.fixed[x], k.count[x], out, (y * w + x) * 3);
            }
        }
        return new RgbImage(w, count, out);
    }

    /** Every column resampled to the coefficients' height; source rows are read from {@code offset} on. */
    private static RgbImage vertical(RgbImage in, Coefficients k, int offset) {
        int h = k.min.length, w = in.width();
        byte[] out = new byte[3 * w * h];
        byte[] src = in.pixels();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                convolve(src, ((k.min[y] - offset) * w + x) * 3, w * 3, k.fixed[y], k.count[y], out, (y * w + x) * 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * One output pixel: the three channels of {@code count} source pixels, {@code step} bytes apart from
     * {@code base}, weighted by {@code kk} in fixed point with Pillow's rounding offset, into {@code out[o..o+2]}.
     */
    private static void convolve(byte[] src, int base, int step, int[] kk, int count, byte[] out, int o) {
        int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
        for (int i = 0, p = base; i < count; i++, p += step) {
            s0 += (src[p] & 0xFF) * kk[i];
            s1 += (src[p + 1] & 0xFF) * kk[i];
            s2 += (src[p + 2] & 0xFF) * kk[i];
        }
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
    }

    private static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    private static double triangle(double x) {
        x = Math.abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /** Per output pixel: the first source pixel, how many contribute, and their fixed-point weights. */
    private record Coefficients(int[] min, int[] count, int[][] fixed) {
        /** {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} over the whole box [0, inSize]. */
        static Coefficients of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale;
            int[] min = new int[outSize], count = new int[outSize];
            int[][] fixed = new int[outSize][];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double[] w = new double[xmax];
                double sum = 0;
                for (int x = 0; x < xmax; x++) {
                    w[x] = triangle((x + xmin - center + 0.5) * ss);
                    sum += w[x];
                }
                int[] k = new int[xmax];
                for (int x = 0; x < xmax; x++) {
                    double v = sum != 0.0 ? w[x] / sum : w[x];
                    k[x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                min[xx] = xmin;
                count[xx] = xmax;
                fixed[xx] = k;
            }
            return new Coefficients(min, count, fixed);
        }
    }
}
