package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.core.InputAdapter;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * perceiver-io's {@code TokenInputAdapter}: token embedding plus learned absolute position embedding,
 * {@code txt_embedding.weight} [V, C] and {@code pos_embedding.weight} [max_seq_len, C], both Normal(0, init_scale).
 * Input: token ids [B, L] with L at most max_seq_len.
 */
public final class TokenInputAdapter implements InputAdapter {
    private final String txtEmbedding;
    private final String posEmbedding;
    private final long channels;
    private final long maxSeqLen;

    public TokenInputAdapter(ParamScope scope, long vocabSize, long maxSeqLen, long numInputChannels, double initScale) {
        this.txtEmbedding = scope.child("txt_embedding").declare("weight", new Init.Normal(initScale), vocabSize,
                numInputChannels);
        this.posEmbedding = scope.child("pos_embedding").declare("weight", new Init.Normal(initScale), maxSeqLen,
                numInputChannels);
        this.channels = numInputChannels;
        this.maxSeqLen = maxSeqLen;
    }

    /** The name of the token embedding, which a tied output adapter reuses. */
    public String txtEmbedding() {
        return txtEmbedding;
    }

    @Override
    public long numInputChannels() {
        return channels;
    }

    @Override
    public Var forward(Tape t, INDArray ids) {
        if (ids.rank() != 2 || ids.size(1) > maxSeqLen) {
            throw new IllegalArgumentException("token ids must be [batch, length <= " + maxSeqLen + "], got "
                    + Arrays.toString(ids.shape()));
        }
        long b = ids.size(0), l = ids.size(1);
        Var tokens = F.gatherRows(t.param(txtEmbedding), ids);
        Var positions = F.expandBatch(F.slice(t.param(posEmbedding), 0, 0, l), b);
        return F.add(tokens, positions);
    }
}
