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
public final class FuyuImageProcessor implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
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

        /**
         * The image as the model reads it ({@code preprocess_with_tokenizer_info} with {@code variable_sized}): only
         * the patches covering the unpadded image, its sides rounded up to whole patches, in row-major order.
         */
        public ImageTokens tokens(int placeholderId, int newlineId, int patchHeight, int patchWidth) {
            int rows = Math.min(patchRows, (height + patchHeight - 1) / patchHeight);
            int cols = Math.min(patchColumns, (width + patchWidth - 1) / patchWidth);
            float[][] used = new float[rows * cols][];
            int[] ids = new int[rows * (cols + 1)];
            int[] indices = new int[ids.length];
            for (int r = 0, t = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++, t++) {
                    used[r * cols + c] = patches[r * patchColumns + c];
                    ids[t] = placeholderId;
                    indices[t] = r * cols + c;
                }
                ids[t] = newlineId;
                indices[t++] = -1;
            }
            return new ImageTokens(ids, indices, used, rows, cols);
        }
    }

    /**
     * The image's part of a Fuyu sequence: per row of patches one placeholder token per patch, then a newline token.
     *
     * @param ids          the token ids of the image block
     * @param patchIndices {@code image_patches_indices}: the patch each token stands for, -1 at newlines
     * @param patches      the patches, in the order of the placeholders
     */
    public record ImageTokens(int[] ids, int[] patchIndices, float[][] patches, int rows, int columns) {
    }

    /** {@link Processed#tokens} with this processor's patch size. */
    public ImageTokens tokens(Processed p, int placeholderId, int newlineId) {
        return p.tokens(placeholderId, newlineId, patchHeight, patchWidth);
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
