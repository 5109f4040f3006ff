package dev.attnspark.job.model.autograd;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Cross-entropy against a plain per-row computation, across several row chunks, with ignored rows. */
class LossesTest {

    @Test
    void matchesTheDefinitionAcrossChunksWithIgnoredRows() {
        int rows = 80, c = 100_000; // 8M logits: 2 chunks of 41 and 39 rows
        assertThat(Losses.CHUNK_ELEMENTS / c).isLessThan(rows);
        Nd4j.getRandom().setSeed(3);
        INDArray logits = Nd4j.randn(DataType.DOUBLE, 2, rows / 2, c).muli(3);
        long[] y = new long[rows];
        Random rnd = new Random(5);
        for (int i = 0; i < rows; i++) {
            y[i] = i % 7 == 0 ? Losses.IGNORE_INDEX : rnd.nextInt(c);
        }
        y[3] = logits.reshape(rows, c).getRow(3).argMax().getLong(0); // one certainly correct prediction
        Losses.CrossEntropy ce = Losses.crossEntropy(logits, Nd4j.createFromArray(y).reshape(2, rows / 2), true);

        double sum = 0;
        long counted = 0, correct = 0;
        INDArray x = logits.reshape(rows, c);
        INDArray expectedGrad = Nd4j.zeros(DataType.DOUBLE, rows, c);
        for (int i = 0; i < rows; i++) {
            if (y[i] == Losses.IGNORE_INDEX) {
                continue;
            }
            double[] row = x.getRow(i).toDoubleVector();
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < c; j++) {
                if (row[j] > max) {
                    max = row[j];
                    arg = j;
                }
            }
            double z = 0;
            for (double v : row) {
                z += Math.exp(v - max);
            }
            sum += Math.log(z) + max - row[(int) y[i]];
            counted++;
            correct += arg == y[i] ? 1 : 0;
            INDArray p = Nd4j.createFromArray(row).subi(max);
            p = org.nd4j.linalg.ops.transforms.Transforms.exp(p, false).divi(z);
            p.putScalar(y[i], p.getDouble(y[i]) - 1);
            expectedGrad.putRow(i, p);
        }
        expectedGrad.divi(counted);
        assertEquals(counted, ce.counted());
        assertEquals(correct, ce.correct());
        assertThat(correct).isGreaterThanOrEqualTo(1);
        assertEquals(sum, ce.lossSum(), 1e-9 * Math.abs(sum));
        assertEquals(0, expectedGrad.sub(ce.dMean().reshape(rows, c)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void labelsOutOfRangeAreRefused() {
        INDArray logits = Nd4j.zeros(DataType.FLOAT, 3, 4);
        assertThat(assertThrows(IllegalArgumentException.class, () ->
                Losses.crossEntropy(logits, Nd4j.createFromArray(1L, 4L, -100L), false)).getMessage())
                .contains("label 4 out of range [0, 4)");
        assertThrows(IllegalArgumentException.class, () ->
                Losses.crossEntropy(logits, Nd4j.createFromArray(1L, -3L, 0L), false));
    }
}
