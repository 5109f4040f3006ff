package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The generic Perceiver IO encoder: a learned latent array cross-attends to the adapted input, then self-attention
 * blocks process the latents; cross-attention layers alternate with the first blocks.
 *
 * <p>Weight sharing is perceiver-io's: block 1 uses {@code cross_attn_1}/{@code self_attn_1}; blocks 2..n all use
 * {@code cross_attn_n}/{@code self_attn_n}, or the first ones again when {@code first_*_shared} is set. A shared
 * layer is one set of parameters applied several times, so its gradient is the sum over its uses.
 */
public final class PerceiverEncoder {
    private final InputAdapter inputAdapter;
    private final TrainableQueryProvider latentProvider;
    private final CrossAttentionLayer crossAttn1;
    private final SelfAttentionBlock selfAttn1;
    private final CrossAttentionLayer crossAttnN;
    private final SelfAttentionBlock selfAttnN;
    private final int numCrossAttentionLayers;
    private final int numSelfAttentionBlocks;

    /**
     * @param scope             where the encoder's parameters live ({@code 0} in a Perceiver IO model)
     * @param inputAdapter      adapts task input; declares its parameters under {@code input_adapter} itself
     * @param numLatents        number of latents N
     * @param numLatentChannels latent channels D
     * @param crossAttentionQk  query/key channels of cross-attention, already resolved by the task (may be null)
     * @param config            the rest of the encoder configuration
     */
    public PerceiverEncoder(ParamScope scope, InputAdapter inputAdapter, int numLatents, int numLatentChannels,
                            Integer crossAttentionQk, EncoderConfig config) {
        this.inputAdapter = inputAdapter;
        this.numCrossAttentionLayers = config.numCrossAttentionLayers;
        this.numSelfAttentionBlocks = config.numSelfAttentionBlocks;
        this.latentProvider = new TrainableQueryProvider(scope.child("latent_provider"), numLatents, numLatentChannels,
                config.initScale);
        boolean extraCrossAttention = numCrossAttentionLayers > 1 && !config.firstCrossAttentionLayerShared;
        boolean extraSelfAttention = numSelfAttentionBlocks > 1 && !config.firstSelfAttentionBlockShared;
        this.crossAttn1 = crossAttention(scope.child("cross_attn_1"), numLatentChannels, crossAttentionQk, config);
        this.selfAttn1 = selfAttention(scope.child("self_attn_1"), numLatentChannels, config);
        this.crossAttnN = extraCrossAttention
                ? crossAttention(scope.child("cross_attn_n"), numLatentChannels, crossAttentionQk, config) : crossAttn1;
        this.selfAttnN = extraSelfAttention ? selfAttention(scope.child("self_attn_n"), numLatentChannels, config)
                : selfAttn1;
    }

    private CrossAttentionLayer crossAttention(ParamScope s, int latentChannels, Integer qk, EncoderConfig c) {
        return new CrossAttentionLayer(s, c.numCrossAttentionHeads, latentChannels, inputAdapter.numInputChannels(), qk,
                c.numCrossAttentionVChannels, c.crossAttentionWideningFactor, c.dropout, c.residualDropout, true,
                LayerOptions.PERCEIVER_IO, c.initScale);
    }

    private static SelfAttentionBlock selfAttention(ParamScope s, int latentChannels, EncoderConfig c) {
        return new SelfAttentionBlock(s, c.numSelfAttentionLayersPerBlock, c.numSelfAttentionHeads, latentChannels,
                c.numSelfAttentionQkChannels, c.numSelfAttentionVChannels, c.selfAttentionWideningFactor, c.dropout,
                c.residualDropout, LayerOptions.PERCEIVER_IO, 0, c.initScale);
    }

    /**
     * @param input  task input, one example per row
     * @param keyPad [B, M] with 1 at padded input positions, or null
     * @return latents [B, N, D]
     */
    public Var forward(Tape t, INDArray input, INDArray keyPad) {
        Var x = inputAdapter.forward(t, input);
        Var latents = latentProvider.forward(t, x.size(0));
        latents = crossAttn1.forward(t, latents, x, keyPad);
        latents = selfAttn1.forward(t, latents);
        for (int i = 1; i < numSelfAttentionBlocks; i++) {
            if (i < numCrossAttentionLayers) {
                latents = crossAttnN.forward(t, latents, x, keyPad);
            }
            latents = selfAttnN.forward(t, latents);
        }
        return latents;
    }
}
