package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.ClassificationDecoderConfig;
import dev.attnspark.job.model.core.ClassificationOutputAdapter;
import dev.attnspark.job.model.core.PerceiverDecoder;

import java.util.List;
import java.util.Map;

/**
 * perceiver-io's {@code TextClassifier}: the masked language model's text encoder ({@code 0.*}, so an MLM checkpoint's
 * encoder loads into it) and a classification decoder ({@code 1.*}). Reads {@code input_ids} and {@code pad_mask};
 * labels are class ids [B]; outputs class logits [B, C].
 */
public final class TextClassifier implements Model {
    private final TextEncoder encoder;
    private final PerceiverDecoder decoder;
    private final List<ParamSpec> parameters;

    public TextClassifier(TextClassifierConfig config) {
        ClassificationDecoderConfig dec = config.decoder;
        ParamScope root = ParamScope.root();
        this.encoder = new TextEncoder(root.child("0"), config);
        this.decoder = new PerceiverDecoder(root.child("1"),
                s -> new ClassificationOutputAdapter(s, dec.numClasses, dec.numOutputQueryChannels, dec.initScale),
                dec.numOutputQueries, dec.numOutputQueryChannels, config.numLatentChannels, dec);
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
        return Map.of("0", "TextEncoder", "1", "PerceiverDecoder");
    }

    @Override
    public Output forward(Tape t, Batch batch) {
        Var latents = encoder.forward(t, batch);
        return Output.crossEntropy(decoder.forward(t, latents), batch.labels());
    }
}
