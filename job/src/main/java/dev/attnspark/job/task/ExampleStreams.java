package dev.attnspark.job.task;

import dev.attnspark.datasets.text.StreamPosition;

import java.io.Serializable;
import java.util.Iterator;

/**
 * Training examples that executors read themselves, stream by stream, for corpora too large to be planned on the
 * driver ({@code data.streaming=true}): stream s of S is a function of the seed, the epoch and its position, so a
 * checkpoint's positions continue exactly.
 */
public interface ExampleStreams<E> extends Serializable {

    /** Stream {@code stream} of {@code streams} in {@code epoch}, from {@code from}. */
    Positioned<E> open(int stream, int streams, int epoch, StreamPosition from);

    /** Examples with the position of the next one. */
    interface Positioned<E> extends Iterator<E> {
        StreamPosition position();
    }
}
