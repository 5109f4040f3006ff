package dev.attnspark.job.model;

import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Losses;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
