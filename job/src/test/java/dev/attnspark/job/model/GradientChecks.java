package dev.attnspark.job.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Central finite differences against backprop through a real DL4J graph, sampling a few entries of every parameter
 * tensor (DL4J's own graph checker perturbs every parameter and takes minutes on a Perceiver).
 */
public final class GradientChecks {
    private GradientChecks() {}

    /** Returns one line per failed entry; empty when all sampled entries agree. Needs a DOUBLE network. */
    public static List<String> sampled(ComputationGraph net, MultiDataSet data, int perTensor, double eps, double maxRel,
                                       double minAbs, long seed) {
        net.setInputs(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        // DL4J's backprop gradient is summed over the batch; its updater divides by the minibatch size
        INDArray grads = net.gradient().gradient().dup().divi(data.getFeatures(0).size(0));
        INDArray params = net.params();
        Random rnd = new Random(seed);
        List<String> failures = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> p : net.paramTable().entrySet()) {
            long n = p.getValue().length();
            for (int k = 0; k < Math.min(perTensor, n); k++) {
                long i = offset + (long) (rnd.nextDouble() * n);
                double orig = params.getDouble(i);
                params.putScalar(i, orig + eps);
                double plus = net.score(data, true);
                params.putScalar(i, orig - eps);
                double minus = net.score(data, true);
                params.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * eps);
                double analytic = grads.getDouble(i);
                double abs = Math.abs(numeric - analytic);
                double rel = abs / Math.max(Math.abs(numeric) + Math.abs(analytic), 1e-300);
                if (abs > minAbs && rel > maxRel) {
                    failures.add(p.getKey() + "[" + (i - offset) + "]: backprop " + analytic + ", numeric " + numeric);
                }
            }
            offset += n;
        }
        return failures;
    }
}
