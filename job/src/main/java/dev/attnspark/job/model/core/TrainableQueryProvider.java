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
    private final long numQueries;

    public TrainableQueryProvider(ParamScope scope, long numQueries, long numQueryChannels, double initScale) {
        this.query = scope.declare("_query", new Init.Normal(initScale), numQueries, numQueryChannels);
        this.channels = numQueryChannels;
        this.numQueries = numQueries;
    }

    public long numQueryChannels() {
        return channels;
    }

    public long numQueries() {
        return numQueries;
    }

    /** The queries repeated for a batch: [B, N, C]. */
    public Var forward(Tape t, long batch) {
        return forward(t, batch, numQueries);
    }

    /** The first {@code n} queries repeated for a batch: [B, n, C]. */
    public Var forward(Tape t, long batch, long n) {
        Var q = t.param(query);
        return F.expandBatch(n == numQueries ? q : F.slice(q, 0, 0, n), batch);
    }
}
