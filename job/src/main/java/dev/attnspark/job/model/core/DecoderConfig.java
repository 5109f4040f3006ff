package dev.attnspark.job.model.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** Perceiver IO decoder configuration: perceiver-io's {@code DecoderConfig}, with its defaults. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class DecoderConfig {
    /** Number of cross-attention heads. */
    public int numCrossAttentionHeads = 8;
    /** Query/key channels of cross-attention (null: the output query channels). */
    public Integer numCrossAttentionQkChannels;
    /** Value channels of cross-attention (null: the query/key channels). */
    @JsonProperty("num_cross_attention_v_channels")
    public Integer numCrossAttentionVChannels;
    /** MLP widening factor of the cross-attention layer. */
    public int crossAttentionWideningFactor = 1;
    /** Whether the attention output is added to the output query (residual). */
    public boolean crossAttentionResidual = true;
    /** Dropout of attention weights. */
    public double dropout = 0.0;
    /** Std of the Normal initialization of weights and output queries. */
    public double initScale = 0.02;
    /** Whether the decoder is frozen (not trained). */
    public boolean freeze = false;

    public void validate(String prefix) {
        EncoderConfig.checkProbability(prefix + "dropout", dropout);
    }
}
