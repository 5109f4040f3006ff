package dev.attnspark.job.train.strategy;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Iterator;

/** One worker in the driver, no training master: batches stream from the RDD, one optimizer step each. */
public final class SingleWorker implements TrainingStrategy {
    private final ComputationGraph net;

    public SingleWorker(ComputationGraph net) {
        this.net = net;
    }

    @Override
    public void fit(JavaRDD<MultiDataSet> batches, long step) {
        net.getConfiguration().setIterationCount((int) step);
        for (Iterator<MultiDataSet> it = batches.toLocalIterator(); it.hasNext(); ) {
            net.fit(it.next());
        }
    }

    @Override
    public ComputationGraph network() {
        return net;
    }

    @Override
    public int workers() {
        return 1;
    }
}
