package dev.attnspark.job.task;

import dev.attnspark.datasets.text.PaddedBatch;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/** Padded token batches as the arrays perceiver-io's text models read ({@code input_ids}, {@code pad_mask}). */
final class TextBatches {
    private TextBatches() {}

    /** Sequences padded to the longest (at most {@code maxSeqLen}): ids [B, L] and the pad mask, 1 at padding. */
    static PaddedBatch pad(List<int[]> sequences, int maxSeqLen) {
        return PaddedBatch.of(sequences, maxSeqLen);
    }

    /** int rows as a float matrix (ids and labels are exact in float32 up to 2^24). */
    static INDArray matrix(int[][] rows, int length) {
        float[] flat = new float[rows.length * length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < length; j++) {
                flat[i * length + j] = rows[i][j];
            }
        }
        return Nd4j.create(flat, new long[] {rows.length, length}, 'c');
    }

    static INDArray mask(boolean[][] rows, int length) {
        float[] flat = new float[rows.length * length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < length; j++) {
                flat[i * length + j] = rows[i][j] ? 1f : 0f;
            }
        }
        return Nd4j.create(flat, new long[] {rows.length, length}, 'c');
    }
}
