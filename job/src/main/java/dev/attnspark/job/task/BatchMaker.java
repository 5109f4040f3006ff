package dev.attnspark.job.task;

import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.List;

/** Turns examples, in order, into one minibatch (runs on executors, hence serializable). */
@FunctionalInterface
public interface BatchMaker<E> extends Serializable {
    DataSet batch(List<E> examples);
}
