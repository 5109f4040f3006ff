package dev.attnspark.job.model.core;

/** perceiver-io's {@code ClassificationDecoderConfig}: a decoder with learned output queries and a linear head. */
public class ClassificationDecoderConfig extends DecoderConfig {
    /** Number of output queries. */
    public int numOutputQueries = 1;
    /** Channels of each output query (and of the decoder output). */
    public int numOutputQueryChannels = 256;
    /** Number of classes. */
    public int numClasses = 100;

    @Override
    public void validate(String prefix) {
        super.validate(prefix);
        if (numOutputQueries != 1) {
            throw new IllegalArgumentException(prefix + "num_output_queries must be 1 for classification (the "
                    + "classifier squeezes the query dimension), got " + numOutputQueries);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException(prefix + "num_classes must be >= 2, got " + numClasses);
        }
    }
}
