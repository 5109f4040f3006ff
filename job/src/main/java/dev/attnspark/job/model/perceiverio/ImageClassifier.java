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
import dev.attnspark.job.model.core.PerceiverEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Perceiver IO image classifier (perceiver-io's {@code ImageClassifier}): image input adapter with Fourier position
 * encoding, the generic encoder ({@code 0.*}), and a decoder with one learned output query and a linear head
 * ({@code 1.*}). Reads {@link #IMAGE} and, for the loss, class-id labels; outputs class logits.
 */
public final class ImageClassifier implements Model {
    /** Channels-last pixels, [B, H, W, C] or flattened [B, H·W·C]. */
    public static final String IMAGE = "image";
    private final ImageInputAdapter inputAdapter;
    private final PerceiverEncoder encoder;
    private final PerceiverDecoder decoder;
    private final List<ParamSpec> parameters;

    public ImageClassifier(ImageClassifierConfig config) {
        ImageEncoderConfig enc = config.encoder;
        ClassificationDecoderConfig dec = config.decoder;
        ParamScope root = ParamScope.root();
        this.inputAdapter = new ImageInputAdapter(enc.imageShape, enc.numFrequencyBands);
        // as upstream: cross-attention query/key channels default to the adapted input's channels
        Integer qk = enc.numCrossAttentionQkChannels != null ? enc.numCrossAttentionQkChannels
                : (int) inputAdapter.numInputChannels();
        this.encoder = new PerceiverEncoder(root.child("0"), inputAdapter, config.numLatents, config.numLatentChannels,
                qk, enc);
        this.decoder = new PerceiverDecoder(root.child("1"),
                s -> new ClassificationOutputAdapter(s, dec.numClasses, dec.numOutputQueryChannels, dec.initScale),
                dec.numOutputQueries, dec.numOutputQueryChannels, config.numLatentChannels, dec);
        this.parameters = root.specs();
    }

    public ImageInputAdapter inputAdapter() {
        return inputAdapter;
    }

    @Override
    public List<ParamSpec> parameters() {
        return parameters;
    }

    @Override
    public Map<String, INDArray> buffers() {
        return Map.of("0.input_adapter.position_encoding.position_encoding", inputAdapter.positionEncoding());
    }

    @Override
    public Map<String, String> modules() {
        return Map.of("0", "PerceiverEncoder", "1", "PerceiverDecoder");
    }

    @Override
    public List<String> inputs() {
        return List.of(IMAGE);
    }

    @Override
    public Output forward(Tape t, Batch batch) {
        Var logits = decoder.forward(t, encoder.forward(t, batch.get(IMAGE), null));
        return Output.crossEntropy(logits, batch.labels());
    }
}
