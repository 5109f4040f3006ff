package dev.attnspark.job.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Losses computed outside DL4J's loss layers: for reference checks and evaluation. */
public final class Losses {
    /** PyTorch's {@code ignore_index} default: labels with this value contribute nothing. */
    public static final long IGNORE_INDEX = -100;

    private Losses() {}

    /** A loss value and its gradient with respect to the logits. */
    public record LossAndGrad(double loss, INDArray dLogits) {}

    /**
     * Mean cross-entropy of {@code logits} [..., C] against integer {@code labels} [...] (as {@code F.cross_entropy}
     * with {@code ignore_index=-100}), with the gradient with respect to the logits.
     */
    public static LossAndGrad crossEntropy(INDArray logits, INDArray labels) {
        long c = logits.size(logits.rank() - 1);
        INDArray l2 = logits.castTo(DataType.FLOAT).dup('c').reshape('c', logits.length() / c, c);
        long[] y = labels.castTo(DataType.LONG).dup('c').data().asLong();
        INDArray probs = Nd4j.exec(new SoftMax(l2, l2.ulike(), 1))[0];
        INDArray logProbs = Transforms.log(probs, true);
        INDArray d = probs.dup();
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == IGNORE_INDEX) {
                d.getRow(i).assign(0);
                continue;
            }
            if (y[i] < 0 || y[i] >= c) {
                throw new IllegalArgumentException("label " + y[i] + " out of range [0, " + c + ")");
            }
            sum -= logProbs.getDouble(i, y[i]);
            d.putScalar(i, y[i], d.getDouble(i, y[i]) - 1);
            counted++;
        }
        if (counted == 0) {
            return new LossAndGrad(Double.NaN, d.muli(0).reshape(logits.shape()));
        }
        return new LossAndGrad(sum / counted, d.divi(counted).reshape(logits.shape()));
    }
}
