package dev.attnspark.job.task;

import org.apache.spark.api.java.JavaRDD;

/**
 * A task's examples, sharded: the training and validation splits and how to batch them.
 *
 * @param train      training examples (null when only the validation split was asked for)
 * @param valid      validation examples
 * @param batchMaker turns an ordered list of examples into a minibatch
 * @param describe   one line for the log, e.g. "MNIST at hdfs://..., 60000 train / 10000 valid"
 * @param streams    with {@code data.streaming}, the training examples as executors read them ({@code train} is
 *                   then null); else null
 * @param counts     what reading the data counted (e.g. images skipped), for the run's summary line; null: nothing
 */
public record TaskData<E>(JavaRDD<E> train, JavaRDD<E> valid, BatchMaker<E> batchMaker, String describe,
                          ExampleStreams<E> streams, java.util.function.Supplier<String> counts) {

    public TaskData(JavaRDD<E> train, JavaRDD<E> valid, BatchMaker<E> batchMaker, String describe) {
        this(train, valid, batchMaker, describe, null, null);
    }

    public TaskData(JavaRDD<E> train, JavaRDD<E> valid, BatchMaker<E> batchMaker, String describe,
                    ExampleStreams<E> streams) {
        this(train, valid, batchMaker, describe, streams, null);
    }
}
