package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Map;

/** The descriptor of perceiver-io's {@code ImageClassifier}: reads {@code image} (channels last) and labels. */
public final class ImageClassifierType implements ModelType<ImageClassifierConfig> {
    public static final String NAME = "perceiver-io-image-classifier";
    public static final ImageClassifierType INSTANCE = new ImageClassifierType();

    private ImageClassifierType() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<ImageClassifierConfig> configClass() {
        return ImageClassifierConfig.class;
    }

    @Override
    public ImageClassifierConfig validate(ImageClassifierConfig config, String keyPrefix) {
        return config.validate(keyPrefix);
    }

    @Override
    public Model create(ImageClassifierConfig config) {
        return new ImageClassifier(config);
    }

    /** The fixtures hold {@code x} [B, H, W, C] and {@code labels} [B]. */
    @Override
    public Batch fixtureBatch(Map<String, INDArray> io, ImageClassifierConfig config) {
        return new Batch(Map.of(ImageClassifier.IMAGE, ModelType.fixtureTensor(io, "x").castTo(DataType.FLOAT),
                Batch.LABELS, ModelType.fixtureTensor(io, "labels")));
    }

    /** Pixels ~ N(0, 1) and uniform labels, like the PyTorch peer's random batches. */
    @Override
    public Batch randomBatch(ImageClassifierConfig config, int batchSize, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] shape = new long[config.encoder.imageShape.length + 1];
        shape[0] = batchSize;
        for (int i = 0; i < config.encoder.imageShape.length; i++) {
            shape[i + 1] = config.encoder.imageShape[i];
        }
        INDArray labels = Transforms.floor(Nd4j.rand(DataType.FLOAT, batchSize).muli(config.decoder.numClasses), false);
        return new Batch(Map.of(ImageClassifier.IMAGE, Nd4j.randn(DataType.FLOAT, shape), Batch.LABELS, labels));
    }

    @Override
    public List<Start> startingWeights(ImageClassifierConfig config) {
        return config.startingWeights();
    }

    @Override
    public List<String> frozenPrefixes(ImageClassifierConfig config) {
        return config.frozenPrefixes();
    }
}
