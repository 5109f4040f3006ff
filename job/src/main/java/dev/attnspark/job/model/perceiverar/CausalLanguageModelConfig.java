package dev.attnspark.job.model.perceiverar;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * perceiver-io's {@code CausalLanguageModelConfig} ({@code CausalSequenceModelConfig} over {@code PerceiverARConfig}),
 * field for field with upstream's defaults. {@code vocab_size} and {@code max_seq_len} follow the data section.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class CausalLanguageModelConfig {
    public int vocabSize = 262;
    /** Longest input, prefix and latents together. */
    public int maxSeqLen = 4096;
    /** Latent positions: the last this-many positions are queries (and predicted). */
    public int maxLatents = 512;
    public int numChannels = 512;
    public int numHeads = 8;
    /** Accepted for upstream configurations: heads processed in parallel only bounds memory; all heads run at once. */
    public Integer maxHeadsParallel;
    public int numSelfAttentionLayers = 8;
    /** Self-attention layers (from the first) that rotate queries and keys; -1: all. */
    public int numSelfAttentionRotaryLayers = 1;
    public int selfAttentionWideningFactor = 4;
    public int crossAttentionWideningFactor = 4;
    /** Share of prefix positions dropped per example in training. */
    public double crossAttentionDropout = 0.5;
    /** Dropout of the attention weights. */
    public double postAttentionDropout = 0.0;
    public double residualDropout = 0.0;
    /** LayerNorm before the output. */
    public boolean outputNorm = false;
    /** Bias of the tied output. */
    public boolean outputBias = true;
    /** Learned absolute position embedding; rotary embeddings then rotate half of each head's channels. */
    public boolean absPosEmb = true;
    public double initScale = 0.02;
    /** Recompute each attention layer's forward in backward instead of keeping its activations. */
    public boolean activationCheckpointing = false;
    public boolean activationOffloading = false;
    /** A checkpoint of this job or upstream safetensors to start from; null or empty: from scratch. */
    public String params;

    /** Channels per head. */
    public int headChannels() {
        return numChannels / numHeads;
    }

    /** Channels of each head the rotary embedding turns: half of them with absolute positions, else all. */
    public int rotatedChannelsPerHead() {
        return absPosEmb ? headChannels() / 2 : headChannels();
    }

    /** The longest prefix: {@code max_seq_len - max_latents}. */
    public int maxPrefixLen() {
        return maxSeqLen - maxLatents;
    }

    public CausalLanguageModelConfig validate(String prefix) {
        positive(prefix + "vocab_size", vocabSize);
        positive(prefix + "max_seq_len", maxSeqLen);
        positive(prefix + "max_latents", maxLatents);
        positive(prefix + "num_channels", numChannels);
        positive(prefix + "num_heads", numHeads);
        positive(prefix + "self_attention_widening_factor", selfAttentionWideningFactor);
        positive(prefix + "cross_attention_widening_factor", crossAttentionWideningFactor);
        if (numSelfAttentionLayers < 0) {
            throw new IllegalArgumentException(prefix + "num_self_attention_layers must be >= 0, got "
                    + numSelfAttentionLayers);
        }
        if (numSelfAttentionRotaryLayers < -1) {
            throw new IllegalArgumentException(prefix + "num_self_attention_rotary_layers must be >= -1, got "
                    + numSelfAttentionRotaryLayers);
        }
        if (maxLatents > maxSeqLen) {
            throw new IllegalArgumentException(prefix + "max_latents (" + maxLatents + ") must be <= " + prefix
                    + "max_seq_len (" + maxSeqLen + ")");
        }
        if (numChannels % numHeads != 0) {
            throw new IllegalArgumentException(prefix + "num_heads (" + numHeads + ") must divide " + prefix
                    + "num_channels (" + numChannels + ")");
        }
        if (rotatedChannelsPerHead() % 2 != 0 || rotatedChannelsPerHead() == 0) {
            throw new IllegalArgumentException("rotary embeddings turn channel pairs: " + rotatedChannelsPerHead()
                    + " rotated channels per head (" + prefix + "num_channels / " + prefix + "num_heads"
                    + (absPosEmb ? " / 2, with " + prefix + "abs_pos_emb" : "") + ") must be even and > 0");
        }
        if (maxHeadsParallel != null && maxHeadsParallel <= 0) {
            throw new IllegalArgumentException(prefix + "max_heads_parallel must be > 0 or null");
        }
        for (double p : new double[] {crossAttentionDropout, postAttentionDropout, residualDropout}) {
            if (p < 0 || p >= 1) {
                throw new IllegalArgumentException(prefix + "cross_attention_dropout, post_attention_dropout and "
                        + "residual_dropout must be in [0, 1)");
            }
        }
        if (!(initScale > 0)) {
            throw new IllegalArgumentException(prefix + "init_scale must be > 0, got " + initScale);
        }
        if (activationOffloading) {
            throw new IllegalArgumentException(prefix + "activation_offloading is not supported (there is no GPU "
                    + "memory to offload from on the CPU backend); set it to false");
        }
        return this;
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
