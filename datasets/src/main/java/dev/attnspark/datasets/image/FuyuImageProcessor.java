package dev.attnspark.datasets.image;

/**
 * Hugging Face's {@code FuyuImageProcessor} ({@code transformers/models/fuyu/image_processing_fuyu.py}), step for
 * step and in the same number types:
 * <ol>
 * <li>resize, only when the image is larger than the target in either side: both sides scaled by the smaller of the
 *     two target ratios and truncated ({@code int(side · factor)}), with Pillow's bilinear filter on the 8-bit image
 *     ({@link PillowResize});</li>
 * <li>pad bottom and right to the target size with {@code padding_value} (on the 8-bit image, as numpy's pad does,
 *     so 1.0 is the byte 1);</li>
 * <li>rescale by {@code rescale_factor} and normalise {@code (x - mean) / std}, in float64 as numpy does on the
 *     rescaled array, then float32;</li>
 * <li>cut into {@code patch_size} patches in row-major order, each flattened as (row, column, channel).</li>
 * </ol>
 * The defaults are {@code adept/fuyu-8b}'s processor: 1080 x 1920 target, 30 x 30 patches, mean and std 0.5.
 */
public final class FuyuImageProcessor {
    private final int targetHeight;
    private final int targetWidth;
    private final int patchHeight;
    private final int patchWidth;
    private final double paddingValue;
    private final double rescaleFactor;
    private final double mean;
    private final double std;

    public FuyuImageProcessor(int targetHeight, int targetWidth, int patchHeight, int patchWidth, double paddingValue,
                              double rescaleFactor, double mean, double std) {
        if (targetHeight % patchHeight != 0 || targetWidth % patchWidth != 0) {
            throw new IllegalArgumentException("the target size " + targetHeight + " x " + targetWidth
                    + " must be a whole number of " + patchHeight + " x " + patchWidth + " patches");
        }
        this.targetHeight = targetHeight;
        this.targetWidth = targetWidth;
        this.patchHeight = patchHeight;
        this.patchWidth = patchWidth;
        this.paddingValue = paddingValue;
        this.rescaleFactor = rescaleFactor;
        this.mean = mean;
        this.std = std;
    }

    /** {@code adept/fuyu-8b}'s processor with another target size. */
    public static FuyuImageProcessor of(int targetHeight, int targetWidth) {
        return new FuyuImageProcessor(targetHeight, targetWidth, 30, 30, 1.0, 1 / 255.0, 0.5, 0.5);
    }

    /** {@code adept/fuyu-8b}'s processor. */
    public static FuyuImageProcessor fuyu8b() {
        return of(1080, 1920);
    }

    /**
     * What the processor returns for one image.
     *
     * @param image        [3, target height, target width] row-major: the padded, normalised image
     * @param height       the resized height before padding ({@code image_unpadded_heights}, {@code image_sizes[0]})
     * @param width        the resized width before padding
     * @param scaleFactor  {@code image_scale_factors}: resized height / original height, 1 when not resized
     * @param patches      [rows · columns][patch height · patch width · 3] of the padded image
     */
    public record Processed(float[] image, int height, int width, double scaleFactor, float[][] patches,
                            int patchRows, int patchColumns) {
    }

    public Processed process(RgbImage in) {
        RgbImage resized = in;
        if (in.width() > targetWidth || in.height() > targetHeight) {
            double factor = Math.min((double) targetHeight / in.height(), (double) targetWidth / in.width());
            resized = PillowResize.bilinear(in, (int) (in.width() * factor), (int) (in.height() * factor));
        }
        int h = resized.height(), w = resized.width();
        int pad = (int) paddingValue;
        float[] lut = new float[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (float) ((v * rescaleFactor - mean) / std);
        }
        float[] image = new float[3 * targetHeight * targetWidth];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < targetHeight; y++) {
                for (int x = 0; x < targetWidth; x++) {
                    int v = y < h && x < w ? resized.at(x, y, c) : pad;
                    image[(c * targetHeight + y) * targetWidth + x] = lut[v & 0xFF];
                }
            }
        }
        int rows = targetHeight / patchHeight, cols = targetWidth / patchWidth;
        float[][] patches = new float[rows * cols][patchHeight * patchWidth * 3];
        for (int pr = 0; pr < rows; pr++) {
            for (int pc = 0; pc < cols; pc++) {
                float[] patch = patches[pr * cols + pc];
                for (int y = 0; y < patchHeight; y++) {
                    for (int x = 0; x < patchWidth; x++) {
                        for (int c = 0; c < 3; c++) {
                            patch[(y * patchWidth + x) * 3 + c] = image[(c * targetHeight + pr * patchHeight + y)
                                    * targetWidth + pc * patchWidth + x];
                        }
                    }
                }
            }
        }
        return new Processed(image, h, w, (double) h / in.height(), patches, rows, cols);
    }
}
