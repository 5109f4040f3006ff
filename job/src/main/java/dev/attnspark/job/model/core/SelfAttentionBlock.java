package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * A stack of self-attention layers (names {@code 0.*}, {@code 1.*}, ...); a rotary embedding, when given, applies
 * in the first {@code numRotaryLayers} of them (-1: all), as perceiver-io's {@code SelfAttentionBlock}.
 */
public final class SelfAttentionBlock {
    private final List<SelfAttentionLayer> layers = new ArrayList<>();
    private final int numRotaryLayers;
    private boolean checkpointing;

    public SelfAttentionBlock(ParamScope scope, int numLayers, int heads, long channels, Integer qkChannels,
                              Integer vChannels, int wideningFactor, double dropout, double residualDropout,
                              LayerOptions options, int numRotaryLayers, double initScale) {
        for (int i = 0; i < numLayers; i++) {
            layers.add(new SelfAttentionLayer(scope.child(Integer.toString(i)), heads, channels, qkChannels, vChannels,
                    wideningFactor, dropout, residualDropout, options, initScale));
        }
        this.numRotaryLayers = numRotaryLayers;
    }

    /** Recompute each layer's forward in backward instead of keeping its activations (activation checkpointing). */
    public SelfAttentionBlock checkpointing(boolean on) {
        this.checkpointing = on;
        return this;
    }

    public Var forward(Tape t, Var x) {
        return forward(t, x, null);
    }

    /** @param rotary rotates queries and keys of the first {@code numRotaryLayers} layers, or null */
    public Var forward(Tape t, Var x, RotaryEmbedding rotary) {
        for (int i = 0; i < layers.size(); i++) {
            RotaryEmbedding rot = i < numRotaryLayers || numRotaryLayers == -1 ? rotary : null;
            SelfAttentionLayer layer = layers.get(i);
            x = checkpointing ? F.checkpoint((tape, in) -> layer.forward(tape, in[0], null, rot), x)
                    : layer.forward(t, x, null, rot);
        }
        return x;
    }
}
