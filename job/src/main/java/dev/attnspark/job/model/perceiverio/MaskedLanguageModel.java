package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.PerceiverDecoder;

import java.util.List;
import java.util.Map;

/**
 * perceiver-io's {@code MaskedLanguageModel}: token input adapter and the generic encoder ({@code 0.*}), a decoder
 * ({@code 1.*}) with one learned output query per position and token logits tied to the token embedding (or a
 * linear layer when {@code decoder.num_output_query_channels} is set). Reads {@code input_ids} and {@code pad_mask};
 * the loss is the cross-entropy over the labelled (masked) positions, labels -100 elsewhere. Outputs [B, L, V].
 */
public final class MaskedLanguageModel implements Model {
    private final TextEncoder encoder;
    private final PerceiverDecoder decoder;
    private final List<ParamSpec> parameters;

    public MaskedLanguageModel(MaskedLanguageModelConfig config) {
        TextDecoderConfig dec = config.decoder;
        ParamScope root = ParamScope.root();
        this.encoder = new TextEncoder(root.child("0"), config);
        boolean tied = dec.numOutputQueryChannels == null;
        int queryChannels = (int) config.outputQueryChannels();
        this.decoder = new PerceiverDecoder(root.child("1"),
                s -> tied ? new TiedTokenOutputAdapter(s, encoder.txtEmbedding(), dec.vocabSize)
                        : new TokenOutputAdapter(s, queryChannels, dec.vocabSize, dec.initScale),
                dec.maxSeqLen, queryChannels, config.numLatentChannels, dec);
        this.parameters = root.specs();
    }

    @Override
    public List<ParamSpec> parameters() {
        return parameters;
    }

    @Override
    public List<String> inputs() {
        return TextInputs.NAMES;
    }

    @Override
    public Map<String, String> modules() {
        return Map.of("0", "TextEncoder", "1", "TextDecoder");
    }

    @Override
    public Output forward(Tape t, Batch batch) {
        Var latents = encoder.forward(t, batch);
        long length = batch.get(TextInputs.INPUT_IDS).size(1);
        return Output.crossEntropy(decoder.forward(t, latents, length), batch.labels());
    }
}
