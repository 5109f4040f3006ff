package dev.attnspark.job.model.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.indexing.NDArrayIndex;
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

    /** Logits rows scored at once: vocabulary x tokens never exists in more than a few copies of this size. */
    static final long CHUNK_ELEMENTS = 1L << 22;

    /**
     * In ND4J ops, a chunk of rows at a time: besides the logits and the gradient (if asked for) only chunk-sized
     * temporaries exist, so a 262k vocabulary over thousands of tokens costs two copies, not four.
     *
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
        DataType type = logits.dataType();
        INDArray x = logits.reshape('c', rows, c);
        INDArray y = labels.reshape('c', new long[] {rows}).castTo(DataType.DOUBLE);
        INDArray bad = y.lt(0).castTo(DataType.DOUBLE).subi(y.eq(IGNORE_INDEX).castTo(DataType.DOUBLE))
                .addi(y.gte(c).castTo(DataType.DOUBLE));
        if (bad.sumNumber().doubleValue() > 0) {
            long at = bad.argMax().getLong(0);
            throw new IllegalArgumentException("label " + y.getLong(at) + " out of range [0, " + c + ") (use -100 to "
                    + "ignore)");
        }
        INDArray d = withGrad ? Nd4j.createUninitialized(type, rows, c) : null;
        double sum = 0;
        long counted = 0, correct = 0;
        long chunk = Math.max(1, CHUNK_ELEMENTS / c);
        for (long r0 = 0; r0 < rows; r0 += chunk) {
            long r1 = Math.min(rows, r0 + chunk);
            INDArray xc = x.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
            INDArray yc = y.get(NDArrayIndex.interval(r0, r1));
            INDArray keep = yc.neq(IGNORE_INDEX).castTo(type);
            INDArray target = yc.castTo(type).muli(keep); // ignored rows point at class 0 and are then dropped
            INDArray oneHot = Nd4j.exec(new OneHot(target.castTo(DataType.INT), (int) c, -1, 1.0, 0.0, type))[0];
            INDArray shifted = xc.subColumnVector(xc.max(1));
            INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(1), false);
            INDArray picked = shifted.mul(oneHot).sum(1);
            sum += logSumExp.sub(picked).muli(keep).sumNumber().doubleValue(); // −log softmax, stable for any logits
            counted += keep.sumNumber().longValue();
            correct += xc.argMax(1).castTo(type).eq(target).castTo(type).muli(keep).sumNumber().longValue();
            if (withGrad) {
                d.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()).assign(
                        Transforms.exp(shifted.subiColumnVector(logSumExp), false).subi(oneHot).muliColumnVector(keep));
            }
        }
        if (withGrad) {
            d = d.divi(Math.max(counted, 1)).reshape(logits.shape());
        }
        return new CrossEntropy(sum, counted, correct, d);
    }
}
