package dev.attnspark.job.model;

import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Losses;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * What a model's forward pass returns, as nanoGPT's {@code forward(idx, targets)} does: the outputs and, when the
 * batch has labels, the loss (a scalar on the tape, ready for backprop) with its sums for metrics.
 *
 * @param logits the model's outputs, e.g. class logits [B, C] or token logits [B, L, V]
 * @param loss   the mean loss, or null for an unlabelled batch
 * @param scored the loss sums (summed loss, counted targets, correct arg-maxes), or null with {@code loss}
 */
public record Output(Var logits, Var loss, Losses.CrossEntropy scored) {

    /**
     * Softmax cross-entropy of {@code logits} against integer {@code labels} (one per logits row, -100 ignored), as
     * PyTorch's {@code F.cross_entropy}; no loss when {@code labels} is null.
     */
    public static Output crossEntropy(Var logits, INDArray labels) {
        if (labels == null) {
            return new Output(logits, null, null);
        }
        Losses.CrossEntropy[] scored = new Losses.CrossEntropy[1];
        Var loss = F.crossEntropy(logits, labels, scored);
        return new Output(logits, loss, scored[0]);
    }

    /**
     * {@code labels[:, i + 1]} at position i and -100 at the last: the targets of a causal LM's position-wise loss,
     * as Hugging Face shifts {@code labels} inside its loss (and perceiver-io its inputs).
     */
    public static INDArray nextTokens(INDArray labels) {
        long l = labels.size(1);
        INDArray out = Nd4j.valueArrayOf(labels.shape(), -100f, DataType.FLOAT);
        if (l > 1) {
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, l - 1))
                    .assign(labels.castTo(DataType.FLOAT).get(NDArrayIndex.all(), NDArrayIndex.interval(1, l)));
        }
        return out;
    }
}
