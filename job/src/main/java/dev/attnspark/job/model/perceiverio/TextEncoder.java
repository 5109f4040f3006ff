package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.PerceiverEncoder;

/**
 * perceiver-io's {@code TextEncoder}: the token input adapter ({@code input_adapter.*}) and the generic encoder, shared
 * by the masked language model and the text classifier, so that one's encoder loads into the other.
 */
final class TextEncoder {
    private final TokenInputAdapter inputAdapter;
    private final PerceiverEncoder encoder;

    /** @param scope where the encoder's parameters live ({@code 0} in a Perceiver IO model) */
    TextEncoder(ParamScope scope, PerceiverIOConfig<TextEncoderConfig, ?> config) {
        TextEncoderConfig enc = config.encoder;
        this.inputAdapter = new TokenInputAdapter(scope.child("input_adapter"), enc.vocabSize, enc.maxSeqLen,
                enc.numInputChannels, enc.initScale);
        this.encoder = new PerceiverEncoder(scope, inputAdapter, config.numLatents, config.numLatentChannels,
                enc.numCrossAttentionQkChannels, enc);
    }

    /** The name of the token embedding, which a tied output adapter reuses. */
    String txtEmbedding() {
        return inputAdapter.txtEmbedding();
    }

    /** Latents [B, N, D] of the batch's {@code input_ids}, padding ({@code pad_mask}) masked out. */
    Var forward(Tape t, Batch batch) {
        return encoder.forward(t, batch.get(TextInputs.INPUT_IDS), TextInputs.padMask(batch));
    }
}
