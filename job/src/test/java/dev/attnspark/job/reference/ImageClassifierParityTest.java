package dev.attnspark.job.reference;

import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.perceiverio.ImageClassifier;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MNIST classifier reproduces perceiver-io's logits, loss and gradients (fixture computed by upstream code). */
class ImageClassifierParityTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/perceiver-io-img-clf-mnist");

    @Test
    void reproducesUpstreamLogitsLossAndGradients() throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-io-image-classifier", FIXTURE);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
        assertEquals(2 + 154, result.comparisons().size(), "logits, loss and the gradients of all 154 parameter tensors");
    }

    @Test
    void exampleConfigurationHas907212Parameters() {
        ImageClassifierConfig c = new ImageClassifierConfig();
        c.encoder.imageShape = new int[] {28, 28, 1};
        c.encoder.numFrequencyBands = 32;
        c.encoder.numCrossAttentionLayers = 2;
        c.encoder.numCrossAttentionHeads = 1;
        c.encoder.numSelfAttentionBlocks = 3;
        c.encoder.numSelfAttentionLayersPerBlock = 3;
        c.encoder.firstSelfAttentionBlockShared = false;
        c.encoder.dropout = 0.1;
        c.encoder.initScale = 0.1;
        c.decoder.numOutputQueryChannels = 128;
        c.decoder.numCrossAttentionHeads = 1;
        c.decoder.numClasses = 10;
        c.decoder.dropout = 0.1;
        c.decoder.initScale = 0.1;
        c.numLatents = 32;
        c.numLatentChannels = 128;
        assertEquals(907_212, ParamStore.size(new ImageClassifier(c.validate("model.")).parameters()));
    }
}
