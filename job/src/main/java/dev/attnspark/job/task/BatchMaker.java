package dev.attnspark.job.task;

import dev.attnspark.job.model.Batch;

import java.io.Serializable;
import java.util.List;

/** Turns examples, in order, into one minibatch of named arrays (runs on executors, hence serializable). */
@FunctionalInterface
public interface BatchMaker<E> extends Serializable {
    Batch batch(List<E> examples);
}
