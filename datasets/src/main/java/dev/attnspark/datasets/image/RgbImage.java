package dev.attnspark.datasets.image;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * An 8-bit RGB image, row-major and interleaved ({@code (y · width + x) · 3 + channel}), as a {@code uint8} HWC
 * numpy array of a Pillow image in mode {@code RGB}. A plain class, not a record: images cross Spark shuffles (Kryo 4).
 */
public final class RgbImage implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final int width;
    private final int height;
    private final byte[] pixels;

    public RgbImage(int width, int height, byte[] pixels) {
        if (width <= 0 || height <= 0 || pixels.length != 3 * width * height) {
            throw new IllegalArgumentException("an RGB image of " + width + " x " + height + " needs "
                    + 3L * width * height + " bytes, got " + pixels.length);
        }
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public byte[] pixels() {
        return pixels;
    }

    /** The value of {@code channel} at (x, y), 0..255. */
    public int at(int x, int y, int channel) {
        return pixels[(y * width + x) * 3 + channel] & 0xFF;
    }

    /**
     * Pillow's {@code convert("RGB")} of a decoded image: alpha is dropped (not composited), grey is copied to the
     * three channels as stored (not through Java's linear-grey colour space, which would change the values), and
     * palette and packed images are read through their colour model.
     */
    public static RgbImage of(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        byte[] px = new byte[3 * w * h];
        Raster raster = image.getRaster();
        boolean components = image.getColorModel() instanceof ComponentColorModel
                && raster.getSampleModel().getSampleSize(0) == 8;
        int bands = raster.getNumBands();
        if (components && bands <= 2) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int i = (y * w + x) * 3;
                    px[i] = px[i + 1] = px[i + 2] = (byte) row[x];
                }
            }
        } else if (components && image.getColorModel().getColorSpace().isCS_sRGB() && bands >= 3) {
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    raster.getSamples(0, y, w, 1, c, row);
                    for (int x = 0; x < w; x++) {
                        px[(y * w + x) * 3 + c] = (byte) row[x];
                    }
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                px[3 * i] = (byte) (argb[i] >> 16);
                px[3 * i + 1] = (byte) (argb[i] >> 8);
                px[3 * i + 2] = (byte) argb[i];
            }
        }
        return new RgbImage(w, h, px);
    }
}
