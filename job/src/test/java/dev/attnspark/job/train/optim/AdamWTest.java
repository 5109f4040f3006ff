package dev.attnspark.job.train.optim;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The updater is {@code torch.optim.Adam}'s arithmetic, over blocks larger than its chunk. */
class AdamWTest {

    @Test
    void matchesTorchAdamStepByStepAcrossChunks() {
        int n = (int) (2 * AdamW.CHUNK + 12_345);
        double lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        AdamW config = new AdamW(WarmupSchedule.constant(lr, 0), b1, b2, eps);
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        GradientUpdater<?> u = config.instantiate(state, true);
        double[] m = new double[n], v = new double[n];
        Random rnd = new Random(5);
        for (int step = 0; step < 3; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) rnd.nextGaussian();
            }
            INDArray grad = Nd4j.create(g, new long[] {1, n}, 'c');
            u.applyUpdater(grad, step, 0);
            int t = step + 1;
            double worst = 0;
            for (int i = 0; i < n; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double expected = lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
                worst = Math.max(worst, Math.abs(grad.getDouble(0, i) - expected) / lr);
            }
            assertThat(worst).as("step " + t + ": max |update - torch| / lr").isLessThan(1e-4);
        }
    }
}
