package dev.attnspark.job.reference;

import dev.attnspark.datasets.image.FuyuImageProcessor;
import dev.attnspark.datasets.image.PillowResize;
import dev.attnspark.datasets.image.RgbImage;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face's {@code FuyuImageProcessor}, value for value: on the shared fixture (made by transformers; an image
 * smaller than the target, so no resize, only padding, rescaling, normalising and patches), and on an image it must
 * shrink (Pillow's own bilinear resize: {@code src/test/python/fuyu-image-fixtures/make_resized.py}).
 */
class FuyuImageProcessorParityTest {
    static final Path SMALL = Path.of("src/test/resources/fixtures/fuyu-image-processor");
    static final Path RESIZED = Path.of("src/test/resources/fixtures/fuyu-image-processor-resized");

    @Test
    void imageWithinTheTargetIsPaddedNotResized() throws Exception {
        ReferenceCheck.Result r = ReferenceCheck.run("fuyu-image-processor", SMALL);
        assertThat(r.passed()).as(r.report()).isTrue();
        assertThat(r.comparisons()).hasSize(6).allMatch(c -> c.relativeError() == 0);
    }

    @Test
    void largerImageIsShrunkExactlyAsPillowDoes() throws Exception {
        ReferenceCheck.Result r = ReferenceCheck.run("fuyu-image-processor", RESIZED);
        assertThat(r.passed()).as(r.report()).isTrue();
        FuyuImageProcessor.Processed p = FuyuImageProcessor.of(180, 300)
                .process(RgbImage.of(ImageIO.read(RESIZED.resolve("input.png").toFile())));
        assertThat(p.width()).isEqualTo(288);
        assertThat(p.height()).isEqualTo(180);
        assertThat(p.patches()).hasNumberOfRows(60);
    }

    /**
     * The model reads only the patches over the image, not over the padding: the fixture's 150 x 100 image is 5 x 4
     * patches (its 100 rows round up to 120), each row of placeholders closed by a newline token.
     */
    @Test
    void tokensCoverTheUnpaddedImageInWholePatches() throws Exception {
        FuyuImageProcessor processor = FuyuImageProcessor.of(180, 300);
        FuyuImageProcessor.Processed p = processor.process(RgbImage.of(ImageIO.read(SMALL.resolve("input.png")
                .toFile())));
        FuyuImageProcessor.ImageTokens t = processor.tokens(p, 71011, 71019);
        assertThat(t.rows()).isEqualTo(4);
        assertThat(t.columns()).isEqualTo(5);
        assertThat(t.ids()).hasSize(24).startsWith(71011, 71011, 71011, 71011, 71011, 71019, 71011);
        assertThat(t.patchIndices()).startsWith(0, 1, 2, 3, 4, -1, 5).endsWith(19, -1);
        assertThat(t.patches()).hasNumberOfRows(20);
        assertThat(t.patches()[5]).isSameAs(p.patches()[10]);
        assertThat(t.patches()[19]).isSameAs(p.patches()[34]);
    }

    /** Upscaling never happens: a small image keeps its pixels, and the padding fills the rest. */
    @Test
    void smallImageIsNeverEnlarged() {
        byte[] px = new byte[3 * 4 * 2];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 10);
        }
        FuyuImageProcessor.Processed p = FuyuImageProcessor.of(30, 30).process(new RgbImage(4, 2, px));
        assertThat(p.width()).isEqualTo(4);
        assertThat(p.height()).isEqualTo(2);
        assertThat(p.scaleFactor()).isEqualTo(1.0);
        assertThat(p.patches()[0][0]).isEqualTo((float) ((0 / 255.0 - 0.5) / 0.5));
        assertThat(p.patches()[0][(1 * 30 + 3) * 3 + 2]).isEqualTo((float) ((23 * 10 / 255.0 - 0.5) / 0.5));
        assertThat(p.patches()[0][(29 * 30 + 29) * 3]).isEqualTo((float) ((1 / 255.0 - 0.5) / 0.5));
    }

    /** Greyscale is copied to the three channels as stored, as Pillow's convert("RGB"). */
    @Test
    void greyImagesKeepTheirStoredValues() {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {10, 128, 250});
        RgbImage rgb = RgbImage.of(grey);
        assertThat(new int[] {rgb.at(0, 0, 0), rgb.at(1, 0, 1), rgb.at(2, 0, 2)}).containsExactly(10, 128, 250);
    }

    @Test
    void resizeRejectsAnEmptySize() {
        assertThatThrownBy(() -> PillowResize.bilinear(new RgbImage(1, 1, new byte[3]), 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
