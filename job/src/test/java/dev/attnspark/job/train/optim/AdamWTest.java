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
    void matchesTorchAdamStepByStepThroughAWarmUpFromZero() {
        int n = 2_000_003;
        double peak = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        // two warm-up steps: lr 0 (no update, but the moments move, as in torch), then lr/2, then lr
        AdamW config = new AdamW(WarmupSchedule.constant(peak, 2), b1, b2, eps);
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        GradientUpdater<?> u = config.instantiate(state, true);
        double[] m = new double[n], v = new double[n];
        Random rnd = new Random(5);
        for (int step = 0; step < 4; step++) {
            double lr = config.getLearningRate(step, 0);
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                // a third of them tiny, where eps decides the step: it must be added where torch adds it
                g[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 1e-7 : 1));
            }
            INDArray grad = Nd4j.create(g, new long[] {1, n}, 'c');
            u.applyUpdater(grad, step, 0);
            int t = step + 1;
            float[] update = grad.toFloatVector();
            double worst = 0;
            for (int i = 0; i < n; i++) {
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double expected = lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
                worst = Math.max(worst, Math.abs(update[i] - expected) / peak);
            }
            assertThat(worst).as("step " + t + " (lr " + lr + "): max |update - torch| / peak lr").isLessThan(1e-4);
            if (lr == 0) {
                assertThat(grad.norm1Number().doubleValue()).as("no update at lr 0").isZero();
            }
        }
    }
}
