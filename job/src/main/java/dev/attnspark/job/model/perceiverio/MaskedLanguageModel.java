package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.PerceiverDecoder;
import dev.attnspark.job.model.core.PerceiverEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * perceiver-io's {@code MaskedLanguageModel}: token input adapter and the generic encoder ({@code 0.*}), a decoder
 * ({@code 1.*}) with one learned output query per position and token logits tied to the token embedding (or a
 * linear layer when {@code decoder.num_output_query_channels} is set). Reads {@code input_ids} and {@code pad_mask};
 * the loss is the cross-entropy over the labelled (masked) positions, labels -100 elsewhere. Outputs [B, L, V].
 */
public final class MaskedLanguageModel implements Model {
    private final TokenInputAdapter inputAdapter;
    private final PerceiverEncoder encoder;
    private final PerceiverDecoder decoder;
    private final List<ParamSpec> parameters;

    public MaskedLanguageModel(MaskedLanguageModelConfig config) {
        TextEncoderConfig enc = config.encoder;
        TextDecoderConfig dec = config.decoder;
        ParamScope root = ParamScope.root();
        ParamScope encoderScope = root.child("0");
        this.inputAdapter = new TokenInputAdapter(encoderScope.child("input_adapter"), enc.vocabSize, enc.maxSeqLen,
                enc.numInputChannels, enc.initScale);
        this.encoder = new PerceiverEncoder(encoderScope, inputAdapter, config.numLatents, config.numLatentChannels,
                enc.numCrossAttentionQkChannels, enc);
        boolean tied = dec.numOutputQueryChannels == null;
        int queryChannels = (int) config.outputQueryChannels();
        this.decoder = new PerceiverDecoder(root.child("1"),
                s -> tied ? new TiedTokenOutputAdapter(s, inputAdapter.txtEmbedding(), dec.vocabSize)
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
        INDArray ids = batch.get(TextInputs.INPUT_IDS);
        Var latents = encoder.forward(t, ids, TextInputs.padMask(batch));
        return Output.crossEntropy(decoder.forward(t, latents, ids.size(1)), batch.labels());
    }
}
