package dev.attnspark.job.model.core;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Perceiver IO encoder configuration: perceiver-io's {@code EncoderConfig} field for field, with its defaults.
 * A plain class rather than a record so that task encoders extend it, as the upstream dataclasses do.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class EncoderConfig {
    /** Number of cross-attention heads. */
    public int numCrossAttentionHeads = 8;
    /** Query/key channels of cross-attention (null: the query input channels, or task-specific). */
    public Integer numCrossAttentionQkChannels;
    /** Value channels of cross-attention (null: the query/key channels). */
    @JsonProperty("num_cross_attention_v_channels")
    public Integer numCrossAttentionVChannels;
    /** Cross-attention layers, alternating with self-attention blocks (at most {@code num_self_attention_blocks}). */
    public int numCrossAttentionLayers = 1;
    /** Whether cross-attention layers 2..n reuse the first one's weights. */
    public boolean firstCrossAttentionLayerShared = false;
    /** MLP widening factor of the cross-attention layers. */
    public int crossAttentionWideningFactor = 1;
    /** Number of self-attention heads. */
    public int numSelfAttentionHeads = 8;
    /** Query/key channels of self-attention (null: the latent channels). */
    public Integer numSelfAttentionQkChannels;
    /** Value channels of self-attention (null: the query/key channels). */
    @JsonProperty("num_self_attention_v_channels")
    public Integer numSelfAttentionVChannels;
    /** Self-attention layers per block. */
    public int numSelfAttentionLayersPerBlock = 8;
    /** Self-attention blocks; blocks 2..n share one set of weights. */
    public int numSelfAttentionBlocks = 1;
    /** Whether blocks 2..n reuse the first block's weights. */
    public boolean firstSelfAttentionBlockShared = true;
    /** MLP widening factor of the self-attention layers. */
    public int selfAttentionWideningFactor = 1;
    /** Dropout of attention weights. */
    public double dropout = 0.0;
    /** Dropout on residual branches. */
    public double residualDropout = 0.0;
    /** Std of the Normal initialization of weights and latents. */
    public double initScale = 0.02;
    /** Whether the encoder is frozen (not trained). */
    public boolean freeze = false;

    /** Checks the constraints perceiver-io's encoder checks; messages name the configuration keys. */
    public void validate(String prefix) {
        if (numCrossAttentionLayers <= 0) {
            throw new IllegalArgumentException(prefix + "num_cross_attention_layers must be > 0");
        }
        if (numSelfAttentionBlocks <= 0) {
            throw new IllegalArgumentException(prefix + "num_self_attention_blocks must be > 0");
        }
        if (numCrossAttentionLayers > numSelfAttentionBlocks) {
            throw new IllegalArgumentException(prefix + "num_cross_attention_layers (" + numCrossAttentionLayers
                    + ") must be <= " + prefix + "num_self_attention_blocks (" + numSelfAttentionBlocks + ")");
        }
        if (numSelfAttentionLayersPerBlock <= 0) {
            throw new IllegalArgumentException(prefix + "num_self_attention_layers_per_block must be > 0");
        }
        checkProbability(prefix + "dropout", dropout);
        checkProbability(prefix + "residual_dropout", residualDropout);
    }

    static void checkProbability(String key, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1), got " + p);
        }
    }
}
