package dev.attnspark.job.train;

import dev.attnspark.job.task.BatchMaker;
import dev.attnspark.job.task.MetricSums;
import dev.attnspark.job.model.autograd.Losses;
import dev.attnspark.job.model.dl4j.ModelLayerImpl;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Validation on the executors: the network (configuration and parameters) is broadcast, each partition's model scores
 * its examples in batches with dropout off, and the additive sums are reduced on the driver.
 */
public final class Evaluator {
    private Evaluator() {}

    public static <E> MetricSums evaluate(JavaSparkContext sc, ComputationGraph net, JavaRDD<E> examples,
                                          BatchMaker<E> maker, int batchSize) {
        Broadcast<String> conf = sc.broadcast(net.getConfiguration().toJson());
        Broadcast<INDArray> params = sc.broadcast(net.params().dup());
        try {
            return examples.mapPartitions((Iterator<E> it) -> {
                MetricSums sums = new MetricSums();
                if (!it.hasNext()) {
                    return List.of(sums).iterator();
                }
                ComputationGraph local = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.value()));
                local.init(params.value().dup(), false);
                ModelLayerImpl layer = (ModelLayerImpl) local.getOutputLayer(0);
                List<E> batch = new ArrayList<>(batchSize);
                try {
                    while (it.hasNext()) {
                        batch.add(it.next());
                        if (batch.size() == batchSize || !it.hasNext()) {
                            Losses.CrossEntropy ce = layer.score(maker.batch(batch, BatchMaker.VALIDATION));
                            sums.add(ce.lossSum(), ce.counted(), ce.correct());
                            batch.clear();
                        }
                    }
                } finally {
                    ModelLayerImpl.releaseThreadMemory(); // this task thread may never score again
                }
                return List.of(sums).iterator();
            }).reduce(MetricSums::merge);
        } finally {
            conf.destroy();
            params.destroy();
        }
    }
}
