package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
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

    public SelfAttentionBlock(ParamScope scope, int numLayers, int heads, long channels, Integer qkChannels,
                              Integer vChannels, int wideningFactor, double dropout, double residualDropout,
                              LayerOptions options, int numRotaryLayers, double initScale) {
        for (int i = 0; i < numLayers; i++) {
            layers.add(new SelfAttentionLayer(scope.child(Integer.toString(i)), heads, channels, qkChannels, vChannels,
                    wideningFactor, dropout, residualDropout, options, initScale));
        }
        this.numRotaryLayers = numRotaryLayers;
    }

    public Var forward(Tape t, Var x) {
        return forward(t, x, null);
    }

    /** @param rotary rotates queries and keys of the first {@code numRotaryLayers} layers, or null */
    public Var forward(Tape t, Var x, RotaryEmbedding rotary) {
        for (int i = 0; i < layers.size(); i++) {
            boolean rotate = i < numRotaryLayers || numRotaryLayers == -1;
            x = layers.get(i).forward(t, x, null, rotate ? rotary : null);
        }
        return x;
    }
}
