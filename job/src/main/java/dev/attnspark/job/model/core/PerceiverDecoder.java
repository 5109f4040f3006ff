package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

import java.util.function.Function;

/**
 * The generic Perceiver IO decoder: output queries cross-attend to the latents, and an output adapter turns the
 * result into task output.
 */
public final class PerceiverDecoder {
    private final TrainableQueryProvider outputQueryProvider;
    private final CrossAttentionLayer crossAttn;
    private final OutputAdapter outputAdapter;

    /**
     * @param scope             where the decoder's parameters live ({@code 1} in a Perceiver IO model)
     * @param outputAdapter     builds the task head under {@code output_adapter}
     * @param numOutputQueries  number of output queries O
     * @param numQueryChannels  channels of each output query
     * @param numLatentChannels channels of the encoder's latents
     * @param config            decoder configuration
     */
    public PerceiverDecoder(ParamScope scope, Function<ParamScope, OutputAdapter> outputAdapter, int numOutputQueries,
                            int numQueryChannels, int numLatentChannels, DecoderConfig config) {
        this.outputQueryProvider = new TrainableQueryProvider(scope.child("output_query_provider"), numOutputQueries,
                numQueryChannels, config.initScale);
        this.crossAttn = new CrossAttentionLayer(scope.child("cross_attn"), config.numCrossAttentionHeads,
                numQueryChannels, numLatentChannels, config.numCrossAttentionQkChannels,
                config.numCrossAttentionVChannels, config.crossAttentionWideningFactor, config.dropout, 0.0,
                config.crossAttentionResidual, LayerOptions.PERCEIVER_IO, config.initScale);
        this.outputAdapter = outputAdapter.apply(scope.child("output_adapter"));
    }

    /** @param latents [B, N, D] encoder output */
    public Var forward(Tape t, Var latents) {
        return forward(t, latents, outputQueryProvider.numQueries());
    }

    /**
     * Decodes with the first {@code numQueries} output queries only. Output queries do not interact (each
     * cross-attends to the latents, then has its own MLP), so this equals decoding all of them and keeping the first
     * {@code numQueries} outputs, as perceiver-io's masked language model does for inputs shorter than
     * {@code max_seq_len}, at a fraction of the cost.
     */
    public Var forward(Tape t, Var latents, long numQueries) {
        Var queries = outputQueryProvider.forward(t, latents.size(0), numQueries);
        return outputAdapter.forward(t, crossAttn.forward(t, queries, latents, null));
    }
}
