package dev.attnspark.job.model;

import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import dev.attnspark.job.model.perceiverio.ImageClassifier;
import dev.attnspark.job.model.perceiverio.ImageClassifierType;
import dev.attnspark.job.train.optim.AdamW;
import dev.attnspark.job.train.optim.WarmupSchedule;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hosted model inside a real DL4J ComputationGraph: gradients, JSON round trip, serialization, learning. */
public class ModelLayerTest {

    /** A tiny image classifier (4x4 images, 3 classes) for tests of the DL4J layer. */
    public static ImageClassifierConfig tiny() {
        ImageClassifierConfig c = new ImageClassifierConfig();
        c.encoder.imageShape = new int[] {4, 4, 1};
        c.encoder.numFrequencyBands = 3;
        c.encoder.numCrossAttentionLayers = 2;
        c.encoder.numCrossAttentionHeads = 1;
        c.encoder.numSelfAttentionHeads = 2;
        c.encoder.numSelfAttentionBlocks = 3;
        c.encoder.numSelfAttentionLayersPerBlock = 2;
        c.encoder.firstSelfAttentionBlockShared = false;
        c.encoder.initScale = 0.5;
        c.decoder.numOutputQueryChannels = 8;
        c.decoder.numCrossAttentionHeads = 2;
        c.decoder.numClasses = 3;
        c.decoder.initScale = 0.5;
        c.numLatents = 4;
        c.numLatentChannels = 8;
        return c;
    }

    /** {@code n} random images with labels 0, 1, 2, 0, ... */
    public static MultiDataSet batch(int n, DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(type, n, 4, 4, 1).muli(2).subi(1);
        INDArray y = Nd4j.zeros(type, n);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3);
        }
        return new Batch(Map.of(ImageClassifier.IMAGE, x, Batch.LABELS, y)).toMultiDataSet(List.of(ImageClassifier.IMAGE));
    }

    @Test
    void backpropMatchesFiniteDifferencesInDoublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        ModelLayer layer = new ModelLayer(Graphs.MODEL, ImageClassifierType.NAME, tiny(), new NoOp(),
                List.of(), List.of());
        ComputationGraph net = new ComputationGraph(Graphs.of(layer, 7, DataType.DOUBLE));
        net.init();
        try {
            MultiDataSet d = batch(3, DataType.DOUBLE, 1);
            List<String> failures = GradientChecks.sampled(net, d, 4, 1e-6, 1e-4, 1e-8, 11);
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    @Test
    void configurationSurvivesJsonAndModelSerializer() throws Exception {
        ModelLayer layer = new ModelLayer(Graphs.MODEL, ImageClassifierType.NAME, tiny(),
                new AdamW(WarmupSchedule.constant(1e-3, 10), 0.9, 0.999, 1e-8), List.of(new WeightDecay(0.01, true)),
                List.of());
        ComputationGraphConfiguration conf = Graphs.of(layer, 7, DataType.FLOAT);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        net.fit(batch(6, DataType.FLOAT, 2));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        INDArray x = batch(4, DataType.FLOAT, 3).getFeatures(0);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertTrue(net.outputSingle(x).equalsWithEps(restored.outputSingle(x), 1e-6));
    }

    @Test
    void adamWFitsASmallBatch() {
        ModelLayer layer = new ModelLayer(Graphs.MODEL, ImageClassifierType.NAME, tiny(),
                new AdamW(WarmupSchedule.constant(3e-3, 0), 0.9, 0.999, 1e-8), List.of(new WeightDecay(0.01, true)),
                List.of());
        ComputationGraph net = new ComputationGraph(Graphs.of(layer, 7, DataType.FLOAT));
        net.init();
        MultiDataSet d = batch(12, DataType.FLOAT, 4);
        double first = net.score(d);
        for (int i = 0; i < 150; i++) {
            net.fit(d);
        }
        double last = net.score(d);
        assertTrue(last < 0.2 * first, "loss " + first + " -> " + last);
    }
}
