package dev.attnspark.job.model.core;

import dev.attnspark.job.model.ParamScope;
import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/**
 * A learned query array ({@code _query}, [N, C], Normal(0, init_scale)): the latent array of an encoder or the
 * output queries of a decoder, the same for every example.
 */
public final class TrainableQueryProvider {
    private final String query;
    private final long channels;

    public TrainableQueryProvider(ParamScope scope, long numQueries, long numQueryChannels, double initScale) {
        this.query = scope.declare("_query", new Init.Normal(initScale), numQueries, numQueryChannels);
        this.channels = numQueryChannels;
    }

    public long numQueryChannels() {
        return channels;
    }

    /** The queries repeated for a batch: [B, N, C]. */
    public Var forward(Tape t, long batch) {
        return F.expandBatch(t.param(query), batch);
    }
}
