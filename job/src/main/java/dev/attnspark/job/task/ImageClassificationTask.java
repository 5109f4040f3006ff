package dev.attnspark.job.task;

import dev.attnspark.datasets.mnist.ImageExample;
import dev.attnspark.datasets.mnist.Mnist;
import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.MnistDataConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.perceiverio.ImageClassifier;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import dev.attnspark.job.model.perceiverio.ImageClassifierType;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * Perceiver IO image classification on MNIST (perceiver-io's {@code examples/training/img_clf}): pixels normalized
 * to [-1, 1], channels last; softmax cross-entropy; loss and accuracy.
 */
public final class ImageClassificationTask implements Task<ImageExample> {

    @Override
    public String name() {
        return ImageClassifierType.NAME;
    }

    @Override
    public ImageClassifierType modelType() {
        return ImageClassifierType.INSTANCE;
    }

    @Override
    public Class<? extends DataConfig> dataConfigClass() {
        return MnistDataConfig.class;
    }

    @Override
    public void validateModel(Object modelConfig) {
        ImageClassifierConfig c = (ImageClassifierConfig) modelConfig;
        if (c.decoder.numClasses != Mnist.NUM_CLASSES) {
            throw new IllegalArgumentException("model.decoder.num_classes must be " + Mnist.NUM_CLASSES
                    + " for MNIST, got " + c.decoder.numClasses);
        }
        int[] shape = c.encoder.imageShape;
        if (shape.length != 3 || shape[0] != Mnist.ROWS || shape[1] != Mnist.COLS || shape[2] != 1) {
            throw new IllegalArgumentException("model.encoder.image_shape must be [28, 28, 1] for MNIST, got "
                    + java.util.Arrays.toString(shape));
        }
    }

    @Override
    public TaskData<ImageExample> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain) {
        MnistDataConfig d = (MnistDataConfig) cfg.data();
        Mnist.SplitFiles train = withTrain ? Mnist.open(d.datasetDir, Mnist.Split.TRAIN, sc.hadoopConfiguration())
                : null;
        Mnist.SplitFiles valid = Mnist.open(d.datasetDir, Mnist.Split.TEST, sc.hadoopConfiguration());
        boolean normalize = d.normalize;
        return new TaskData<>(train != null ? Mnist.rdd(sc, train, numPartitions) : null,
                Mnist.rdd(sc, valid, numPartitions), (examples, epoch) -> batch(examples, normalize),
                "MNIST at " + d.datasetDir + ": " + (train != null ? train.size() + " train / " : "") + valid.size()
                        + " valid images");
    }

    /** {@code image} [n, 28, 28, 1] (channels-last pixels), {@code labels} [n] (class ids). */
    static Batch batch(List<ImageExample> examples, boolean normalize) {
        int n = examples.size(), size = examples.get(0).pixels().length;
        float[] x = new float[n * size];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            ImageExample e = examples.get(i);
            float[] px = normalize ? e.normalizedPixels() : raw(e.pixels());
            System.arraycopy(px, 0, x, i * size, size);
            y[i] = e.label();
        }
        return new Batch(Map.of(ImageClassifier.IMAGE, Nd4j.create(x, new long[] {n, Mnist.ROWS, Mnist.COLS, 1}, 'c'),
                Batch.LABELS, Nd4j.create(y, new long[] {n}, 'c')));
    }

    private static float[] raw(byte[] pixels) {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[i] & 0xff) / 255f;
        }
        return out;
    }

    @Override
    public Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = Task.super.metrics(s);
        m.put("accuracy", s.accuracy());
        return m;
    }
}
