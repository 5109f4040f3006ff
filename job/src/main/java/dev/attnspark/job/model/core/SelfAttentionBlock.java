package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/** A stack of self-attention layers (names {@code 0.*}, {@code 1.*}, ...). */
public final class SelfAttentionBlock {
    private final List<SelfAttentionLayer> layers = new ArrayList<>();

    public SelfAttentionBlock(ParamScope scope, int numLayers, int heads, long channels, Integer qkChannels,
                              Integer vChannels, int wideningFactor, double dropout, double residualDropout,
                              double initScale) {
        for (int i = 0; i < numLayers; i++) {
            layers.add(new SelfAttentionLayer(scope.child(Integer.toString(i)), heads, channels, qkChannels, vChannels,
                    wideningFactor, dropout, residualDropout, initScale));
        }
    }

    public Var forward(Tape t, Var x) {
        for (SelfAttentionLayer layer : layers) {
            x = layer.forward(t, x, null);
        }
        return x;
    }
}
