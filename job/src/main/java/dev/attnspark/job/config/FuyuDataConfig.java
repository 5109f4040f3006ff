package dev.attnspark.job.config;

import dev.attnspark.datasets.image.ImageCaptions;
import dev.attnspark.datasets.text.TextTokenizer;
import dev.attnspark.datasets.text.Tokenizers;

/**
 * The {@code data} section of Fuyu's causal visual-language modelling, with the names of the seed's
 * {@code run_cvlm.py} arguments: image-caption files ({@code train_file} / {@code validation_file}, or the
 * {@code train.*} and {@code validation.*} files of {@code dataset_dir}), their columns, the tokenizer, the processor's
 * target size and {@code block_size}.
 */
public class FuyuDataConfig extends DataConfig {
    /** A JSON Lines, CSV or Parquet file (or a folder of them) of training rows; null: {@code dataset_dir/train.*}. */
    public String trainFile;
    /** The same for validation; null: {@code dataset_dir/validation.*}, else a split of the training rows. */
    public String validationFile;
    /** Percent of the training rows held out for validation when there is no validation file (run_clm's 5). */
    public int validationSplitPercentage = 5;
    /** The column holding the text (winoground: {@code caption_0}). */
    public String textColumn = "text";
    /** The column holding the image: a path, bytes, or Hugging Face's Image struct (winoground: {@code image_0}). */
    public String imageColumn = "image";
    /** A Hugging Face {@code tokenizer.json} (a file, or a folder holding one, such as a Hub download). */
    public String tokenizer;
    /** The processor's target height and width: images larger are shrunk to fit, smaller ones padded (fuyu-8b's). */
    public int imageHeight = 1080;
    public int imageWidth = 1920;
    /** The longest sequence in tokens; longer ones are cut at the end and counted. */
    public int blockSize = 1024;
    /** {@code skip} (counted and reported) or {@code fail}: what an undecodable or missing image does. */
    public String badImagePolicy = "skip";

    public FuyuDataConfig() {
        dataset = "image-captions";
    }

    @Override
    public void validate() {
        if (!"image-captions".equals(dataset)) {
            throw new ConfigException("data.dataset must be image-captions for Fuyu, got " + dataset);
        }
        if (trainFile == null && (datasetDir == null || datasetDir.isBlank())) {
            throw new ConfigException("data.train_file or data.dataset_dir is not set (the image-caption files)");
        }
        if (batchSize <= 0) {
            throw new ConfigException("data.batch_size must be > 0, got " + batchSize);
        }
        if (validationSplitPercentage < 1 || validationSplitPercentage > 50) {
            throw new ConfigException("data.validation_split_percentage must be in [1, 50], got "
                    + validationSplitPercentage);
        }
        if (imageHeight % 30 != 0 || imageWidth % 30 != 0 || imageHeight <= 0 || imageWidth <= 0) {
            throw new ConfigException("data.image_height and data.image_width must be positive multiples of the "
                    + "30-pixel patch, got " + imageHeight + " x " + imageWidth);
        }
        if (blockSize < 2) {
            throw new ConfigException("data.block_size must be >= 2, got " + blockSize);
        }
        try {
            ImageCaptions.BadImagePolicy.of(badImagePolicy);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("data." + e.getMessage());
        }
    }

    /** The tokenizer, loaded from where {@code data.tokenizer} says (see {@link Tokenizers}). */
    public TextTokenizer textTokenizer(org.apache.hadoop.conf.Configuration conf) {
        return loadTokenizer(tokenizer, conf);
    }
}
