package dev.attnspark.job.model.perceiverio;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.core.DecoderConfig;
import dev.attnspark.job.model.core.EncoderConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * perceiver-io's {@code PerceiverIOConfig[E, D]}: an encoder and a decoder section, the latent array's size and the
 * activation-checkpointing flags. Each model's configuration fixes the two section types.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public abstract class PerceiverIOConfig<E extends EncoderConfig, D extends DecoderConfig> {
    public E encoder;
    public D decoder;
    /** Number of latents N. */
    public int numLatents = 512;
    /** Latent channels D. */
    public int numLatentChannels = 1024;
    /**
     * A checkpoint of this job (a checkpoint or run folder) or upstream safetensors to start the whole model from;
     * null or empty trains from scratch (the Lightning module's {@code params}).
     */
    public String params;
    /** Accepted for compatibility with upstream configs; only {@code false} is supported. */
    public boolean activationCheckpointing = false;
    /** Accepted for compatibility with upstream configs; only {@code false} is supported. */
    public boolean activationOffloading = false;

    protected PerceiverIOConfig(E encoder, D decoder) {
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /**
     * The checks every Perceiver IO model shares; messages name the key under {@code prefix} (e.g. {@code model.}).
     *
     * @param inputChannels        channels of the adapted encoder input
     * @param encoderQkDefault     the encoder's cross-attention query/key channels when not configured
     * @param decoderQueryChannels channels of the decoder's output queries
     */
    protected void validate(String prefix, long inputChannels, long encoderQkDefault, long decoderQueryChannels) {
        if (encoder == null || decoder == null) {
            throw new IllegalArgumentException(prefix + "encoder and " + prefix + "decoder must be set");
        }
        encoder.validate(prefix + "encoder.");
        decoder.validate(prefix + "decoder.");
        if (numLatents <= 0 || numLatentChannels <= 0) {
            throw new IllegalArgumentException(prefix + "num_latents and " + prefix + "num_latent_channels must be > 0");
        }
        if (inputChannels <= 0) {
            throw new IllegalArgumentException(prefix + "encoder input channels must be > 0, got " + inputChannels);
        }
        heads(prefix + "encoder.num_cross_attention_", encoder.numCrossAttentionHeads,
                encoder.numCrossAttentionQkChannels != null ? encoder.numCrossAttentionQkChannels : encoderQkDefault,
                encoder.numCrossAttentionVChannels);
        heads(prefix + "encoder.num_self_attention_", encoder.numSelfAttentionHeads,
                encoder.numSelfAttentionQkChannels != null ? encoder.numSelfAttentionQkChannels : numLatentChannels,
                encoder.numSelfAttentionVChannels);
        heads(prefix + "decoder.num_cross_attention_", decoder.numCrossAttentionHeads,
                decoder.numCrossAttentionQkChannels != null ? decoder.numCrossAttentionQkChannels
                        : decoderQueryChannels, decoder.numCrossAttentionVChannels);
        if (activationCheckpointing || activationOffloading) {
            throw new IllegalArgumentException(prefix + "activation_checkpointing/activation_offloading are not "
                    + "supported; set them to false");
        }
    }

    /** {@code model.params}, then an encoder's own {@code params}, as perceiver-io's Lightning modules load them. */
    public List<ModelType.Start> startingWeights() {
        List<ModelType.Start> s = new ArrayList<>();
        if (params != null && !params.isBlank()) {
            s.add(new ModelType.Start("model.params", params, ""));
        }
        if (encoder instanceof TextEncoderConfig t && t.params != null && !t.params.isBlank()) {
            s.add(new ModelType.Start("model.encoder.params", t.params, "0."));
        }
        return s;
    }

    /** {@code 0.} is the encoder, {@code 1.} the decoder, as in perceiver-io's {@code PerceiverIO} sequence. */
    public List<String> frozenPrefixes() {
        List<String> p = new ArrayList<>();
        if (encoder.freeze) {
            p.add("0.");
        }
        if (decoder.freeze) {
            p.add("1.");
        }
        return p;
    }

    /** Query/key and value channels must split evenly across heads (keys named as in the configuration). */
    private static void heads(String key, int heads, long qk, Integer v) {
        if (heads <= 0) {
            throw new IllegalArgumentException(key + "heads must be > 0");
        }
        if (qk % heads != 0) {
            throw new IllegalArgumentException(key + "heads (" + heads + ") must divide the query/key channels ("
                    + qk + ", " + key + "qk_channels or its default)");
        }
        long values = v != null ? v : qk;
        if (values % heads != 0) {
            throw new IllegalArgumentException(key + "heads (" + heads + ") must divide the value channels (" + values
                    + ", " + key + "v_channels or its default)");
        }
    }
}
