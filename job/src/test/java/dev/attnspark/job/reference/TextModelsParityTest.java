package dev.attnspark.job.reference;

import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.perceiverio.MaskedLanguageModel;
import dev.attnspark.job.model.perceiverio.MaskedLanguageModelConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * perceiver-io's masked language model and text classifier reproduce upstream's logits, loss and gradients, with
 * padding masked (fixtures computed by upstream code; the classifier's encoder is the MLM's).
 */
class TextModelsParityTest {
    static final Path MLM = Path.of("src/test/resources/fixtures/perceiver-io-mlm-tiny");
    static final Path CLASSIFIER = Path.of("src/test/resources/fixtures/perceiver-io-txt-clf-tiny");
    /** Untied linear output, two unshared cross-attention layers and blocks, no decoder cross-attention residual. */
    static final Path MLM_UNTIED = Path.of("src/test/resources/fixtures/perceiver-io-mlm-untied");
    /** Three self-attention blocks (the second and third share weights upstream), widened decoder, 3 classes. */
    static final Path CLASSIFIER_BLOCKS = Path.of("src/test/resources/fixtures/perceiver-io-txt-clf-blocks");

    @Test
    void maskedLanguageModelReproducesUpstream() throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-io-mlm", MLM);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
        assertEquals(2 + 73, result.comparisons().size(), "logits, loss and the gradients of all 73 parameter tensors");
    }

    @Test
    void textClassifierReproducesUpstream() throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-io-text-classifier", CLASSIFIER);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
    }

    @Test
    void untiedOutputAndUnsharedLayersReproduceUpstream() throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-io-mlm", MLM_UNTIED);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
        assertEquals(2 + 124, result.comparisons().size(), "logits, loss and the gradients of all 124 parameter tensors");
    }

    @Test
    void classifierWithSeveralBlocksReproducesUpstream() throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-io-text-classifier", CLASSIFIER_BLOCKS);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
        assertEquals(2 + 74, result.comparisons().size(), "logits, loss and the gradients of all 74 parameter tensors");
    }

    /** The example's model: {@code deepmind/language-perceiver} as perceiver-io's {@code convert_config} maps it. */
    @Test
    void exampleConfigurationHas201108230Parameters() {
        assertEquals(201_108_230, ParamStore.size(new MaskedLanguageModel(languagePerceiver().validate("model."))
                .parameters()));
    }

    static MaskedLanguageModelConfig languagePerceiver() {
        MaskedLanguageModelConfig c = new MaskedLanguageModelConfig();
        c.encoder.vocabSize = 262;
        c.encoder.maxSeqLen = 2048;
        c.encoder.numInputChannels = 768;
        c.encoder.numCrossAttentionQkChannels = 256;
        c.encoder.numCrossAttentionVChannels = 1280;
        c.encoder.numCrossAttentionHeads = 8;
        c.encoder.numSelfAttentionQkChannels = 256;
        c.encoder.numSelfAttentionVChannels = 1280;
        c.encoder.numSelfAttentionHeads = 8;
        c.encoder.numSelfAttentionLayersPerBlock = 26;
        c.encoder.numSelfAttentionBlocks = 1;
        c.encoder.dropout = 0.1;
        c.decoder.vocabSize = 262;
        c.decoder.maxSeqLen = 2048;
        c.decoder.numCrossAttentionQkChannels = 256;
        c.decoder.numCrossAttentionVChannels = 768;
        c.decoder.numCrossAttentionHeads = 8;
        c.decoder.crossAttentionResidual = false;
        c.decoder.dropout = 0.1;
        c.numLatents = 256;
        c.numLatentChannels = 1280;
        return c;
    }
}
