package dev.attnspark.datasets.image;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.text.TextTokenizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Image-caption examples as Fuyu reads them: the image through {@link FuyuImageProcessor}, the caption through the
 * checkpoint's tokenizer (without special tokens), laid out by {@link FuyuSequence} with the tokenizer's own ids of
 * {@code |SPEAKER|} (image placeholder), {@code |NEWLINE|}, {@code <s>} and {@code <0x04>} (beginning of answer), as
 * {@code FuyuProcessor} looks them up. Sequences longer than {@code block_size} are cut at the end and counted.
 */
public final class FuyuExamples implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String IMAGE_TOKEN = "|SPEAKER|";
    public static final String NEWLINE_TOKEN = "|NEWLINE|";
    public static final String BOS_TOKEN = "<s>";
    public static final String BOA_TOKEN = "<0x04>";

    private final FuyuImageProcessor processor;
    private final TextTokenizer tokenizer;
    private final int blockSize;
    private final int imageId;
    private final int newlineId;
    private final int bosId;
    private final int boaId;

    public FuyuExamples(FuyuImageProcessor processor, TextTokenizer tokenizer, int blockSize) {
        this.processor = processor;
        this.tokenizer = tokenizer;
        this.blockSize = blockSize;
        int[] ids = tokenizer.tokenIds(IMAGE_TOKEN, NEWLINE_TOKEN, BOS_TOKEN, BOA_TOKEN);
        this.imageId = ids[0];
        this.newlineId = ids[1];
        this.bosId = ids[2];
        this.boaId = ids[3];
    }

    public int imageTokenId() {
        return imageId;
    }

    public int padId() {
        return Math.max(0, tokenizer.padId());
    }

    /** The sequence of one image and its text, at most {@code block_size} tokens. */
    public FuyuSequence of(RgbImage image, String text) {
        return layout(image, text, "the image", null);
    }

    /**
     * The examples' sequences, truncated ones counted in {@code truncated}; an image whose block alone (with BOS)
     * does not fit in {@code block_size} is an error naming its row, since cutting it would leave no text to learn.
     */
    public JavaRDD<FuyuSequence> sequences(JavaRDD<ImageCaptions.Example> examples, LongAccumulator truncated) {
        return examples.map(e -> layout(e.image(), e.text(), e.file() + ": row " + e.row(), truncated));
    }

    private FuyuSequence layout(RgbImage image, String text, String where, LongAccumulator truncated) {
        FuyuImageProcessor.ImageTokens tokens = processor.tokens(processor.process(image), imageId, newlineId);
        if (tokens.ids().length + 1 >= blockSize) {
            throw new DatasetException(where + ": the image takes " + tokens.ids().length + " tokens (" + tokens.rows()
                    + " rows of " + tokens.columns() + " patches and a newline), too many for data.block_size "
                    + blockSize);
        }
        FuyuSequence s = FuyuSequence.of(tokens, bosId, tokenizer.encode(text, false), boaId);
        if (s.length() <= blockSize) {
            return s;
        }
        if (truncated != null) {
            truncated.add(1);
        }
        return new FuyuSequence(Arrays.copyOf(s.ids(), blockSize), Arrays.copyOf(s.labels(), blockSize), s.patches());
    }
}
