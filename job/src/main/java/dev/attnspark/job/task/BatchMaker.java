package dev.attnspark.job.task;

import dev.attnspark.job.model.Batch;

import java.io.Serializable;
import java.util.List;

/** Turns examples, in order, into one minibatch of named arrays (runs on executors, hence serializable). */
@FunctionalInterface
public interface BatchMaker<E> extends Serializable {
    /** The {@code epoch} of validation batches: whatever a batch draws (e.g. masks) is the same every time. */
    int VALIDATION = -1;

    /**
     * @param epoch the training epoch (a task may draw per-epoch randomness from it, as dynamic masking does), or
     *              {@link #VALIDATION}
     */
    Batch batch(List<E> examples, int epoch);
}
