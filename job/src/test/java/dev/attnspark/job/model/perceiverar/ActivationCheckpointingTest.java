package dev.attnspark.job.model.perceiverar;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.Tape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code model.activation_checkpointing}: every attention layer is run again in backward, and the loss and every
 * gradient are those of the plain model, in training mode too (prefix dropout and attention dropout draw the same
 * masks in the recomputation).
 */
class ActivationCheckpointingTest {

    static CausalLanguageModelConfig config(boolean checkpointing) {
        CausalLanguageModelConfig c = new CausalLanguageModelConfig();
        c.vocabSize = 50;
        c.maxSeqLen = 24;
        c.maxLatents = 8;
        c.numChannels = 32;
        c.numHeads = 4;
        c.numSelfAttentionLayers = 3;
        c.postAttentionDropout = 0.1;
        c.residualDropout = 0.1;
        c.activationCheckpointing = checkpointing;
        return c.validate("model.");
    }

    @Test
    void gradientsAreThoseOfThePlainModel() {
        Batch batch = CausalLanguageModelType.INSTANCE.randomBatch(config(false), 3, 5);
        Map<String, INDArray> plain = gradients(false, batch), checkpointed = gradients(true, batch);
        assertThat(checkpointed.keySet()).isEqualTo(plain.keySet());
        for (String name : plain.keySet()) {
            double scale = plain.get(name).amaxNumber().doubleValue() + 1e-12;
            double err = checkpointed.get(name).sub(plain.get(name)).amaxNumber().doubleValue() / scale;
            assertThat(err).as(name).isLessThan(1e-6);
        }
        assertThat(plain.get("self_attention.2.1.module.3.weight").amaxNumber().doubleValue()).isGreaterThan(0);
    }

    private static Map<String, INDArray> gradients(boolean checkpointing, Batch batch) {
        CausalLanguageModel model = new CausalLanguageModel(config(checkpointing));
        ParamStore store = ParamStore.allocate(model.parameters(), true);
        Nd4j.getRandom().setSeed(3);
        ParamStore.initialize(model.parameters(), store.values());
        Nd4j.getRandom().setSeed(11);
        try (Tape t = new Tape(true, true, store)) {
            var out = model.forward(t, batch);
            t.backward(out.loss(), Nd4j.scalar(out.loss().value().dataType(), 1.0));
        }
        Map<String, INDArray> g = new java.util.LinkedHashMap<>();
        store.grads().forEach((k, v) -> g.put(k, v.dup()));
        return g;
    }
}
