package dev.attnspark.job.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy as PyTorch's {@code F.cross_entropy}: integer labels (one per logits row; rows labelled
 * {@code -100} are ignored), the mean over counted rows, and its gradient with respect to the logits.
 */
public final class Losses {
    /** PyTorch's {@code ignore_index} default. */
    public static final long IGNORE_INDEX = -100;

    private Losses() {}

    /**
     * One batch scored.
     *
     * @param lossSum summed loss over the counted rows
     * @param counted rows that count (label not -100)
     * @param correct counted rows whose arg-max logit is the label
     * @param dMean   gradient of the mean loss with respect to the logits (null unless asked for)
     */
    public record CrossEntropy(double lossSum, long counted, long correct, INDArray dMean) {
        public double mean() {
            return counted == 0 ? Double.NaN : lossSum / counted;
        }
    }

    /**
     * @param logits   [..., C]
     * @param labels   class ids with one value per logits row (any shape of that length), -100 to ignore
     * @param withGrad whether to compute the gradient of the mean loss
     */
    public static CrossEntropy crossEntropy(INDArray logits, INDArray labels, boolean withGrad) {
        long c = logits.size(logits.rank() - 1);
        long rows = logits.length() / c;
        if (labels.length() != rows) {
            throw new IllegalArgumentException("labels have " + labels.length() + " values for " + rows
                    + " rows of logits " + java.util.Arrays.toString(logits.shape()));
        }
        INDArray l2 = logits.dup('c').reshape('c', rows, c);
        long[] y = labels.castTo(DataType.LONG).dup('c').data().asLong();
        INDArray probs = Nd4j.exec(new SoftMax(l2, l2.ulike(), 1))[0];
        INDArray max = l2.max(1);
        INDArray logSumExp = Transforms.log(Transforms.exp(l2.subColumnVector(max), false).sum(1), false).addi(max);
        long[] argMax = l2.argMax(1).castTo(DataType.LONG).data().asLong();
        double sum = 0;
        long counted = 0, correct = 0;
        INDArray keep = withGrad ? Nd4j.zeros(logits.dataType(), rows, 1) : null;
        for (int i = 0; i < rows; i++) {
            if (y[i] == IGNORE_INDEX) {
                continue;
            }
            if (y[i] < 0 || y[i] >= c) {
                throw new IllegalArgumentException("label " + y[i] + " out of range [0, " + c + ") (use -100 to ignore)");
            }
            sum += logSumExp.getDouble(i) - l2.getDouble(i, y[i]); // −log softmax, stable for any logits
            counted++;
            correct += argMax[i] == y[i] ? 1 : 0;
            if (withGrad) {
                keep.putScalar(i, 0, 1.0);
                probs.putScalar(i, y[i], probs.getDouble(i, y[i]) - 1.0);
            }
        }
        INDArray d = null;
        if (withGrad) {
            d = probs.muliColumnVector(keep).divi(Math.max(counted, 1)).reshape(logits.shape());
        }
        return new CrossEntropy(sum, counted, correct, d);
    }

}
