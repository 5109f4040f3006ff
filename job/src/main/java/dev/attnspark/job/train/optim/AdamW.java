package dev.attnspark.job.train.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Adam with PyTorch's arithmetic ({@code torch.optim.Adam(W)}: eps added to the bias-corrected root of the second
 * moment, step counts from 1). DL4J's own Adam adds eps before bias correction. The decoupled weight decay of AdamW
 * is DL4J's {@code WeightDecay(coeff, applyLR=true)} regularization, applied after this update, which together give
 * {@code p ← p − lr·wd·p − lr·m̂/(√v̂ + eps)}, exactly {@code torch.optim.AdamW}.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class AdamW implements IUpdater {
    private double learningRate;
    private ISchedule learningRateSchedule;
    private double beta1;
    private double beta2;
    private double epsilon;

    /** For JSON. */
    private AdamW() {}

    public AdamW(ISchedule learningRateSchedule, double beta1, double beta2, double epsilon) {
        this.learningRate = Double.NaN;
        this.learningRateSchedule = learningRateSchedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        long[] gradientShape = Arrays.copyOf(viewArray.shape(), viewArray.rank());
        gradientShape[1] /= 2;
        u.setStateViewArray(viewArray, gradientShape, viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public AdamW clone() {
        AdamW c = new AdamW(learningRateSchedule == null ? null : learningRateSchedule.clone(), beta1, beta2, epsilon);
        c.learningRate = learningRate;
        return c;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdamW a && Double.compare(a.learningRate, learningRate) == 0 && a.beta1 == beta1
                && a.beta2 == beta2 && a.epsilon == epsilon
                && Objects.equals(a.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon);
    }

    @Override
    public String toString() {
        return "AdamW(betas=(" + beta1 + ", " + beta2 + "), eps=" + epsilon + ", lr=" + learningRateSchedule + ")";
    }

    /** The per-parameter-block state: first moment m and second moment v, halves of one view. */
    static final class Updater implements GradientUpdater<AdamW> {
        private final AdamW config;
        private INDArray m;
        private INDArray v;

        Updater(AdamW config) {
            this.config = config;
        }

        @Override
        public AdamW getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
            m = stateMap.get("M");
            v = stateMap.get("V");
            if (initialize) {
                m.assign(0);
                v.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of("M", m, "V", v);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder,
                                      boolean initialize) {
            if (initialize) {
                viewArray.assign(0);
            }
            long n = viewArray.length() / 2;
            INDArray row = viewArray.reshape(1, viewArray.length());
            m = row.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).reshape(gradientOrder, gradientShape);
            v = row.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(n, 2 * n)).reshape(gradientOrder, gradientShape);
        }

        /**
         * Turns {@code gradient} into the update (subtracted from the parameters by DL4J) in one pass of libnd4j's
         * fused {@code adam_updater} op, which also updates m and v in place: no temporaries. That op computes
         * {@code lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε')}; with {@code ε' = ε·√(1−β₂ᵗ)} this is exactly PyTorch's
         * {@code lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)}. As about a dozen element-wise ND4J ops, a chunk at a time in a
         * workspace for their temporaries, it took as long: about 1.1 s of the 201M-parameter MLM's step either way,
         * bound by memory bandwidth.
         */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            double lr = config.getLearningRate(iteration, epoch);
            int t = iteration + 1;
            double sqrtBias2 = Math.sqrt(1 - Math.pow(config.beta2, t));
            // the op replaces a zero step size with eps; at lr 0 (a warm-up's first step) the moments still move
            double opLr = lr == 0 ? 1 : lr;
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(flat(gradient), flat(v), flat(m), opLr,
                    config.beta1, config.beta2, config.epsilon * sqrtBias2, iteration));
            if (lr == 0) {
                gradient.assign(0);
            }
        }

        /** A 1-d view of a contiguous array (the state halves and the gradient block are). */
        private static INDArray flat(INDArray a) {
            INDArray f = a.reshape('c', new long[] {a.length()});
            if (f != a && !f.isView() && a.length() > 1) {
                throw new IllegalStateException("AdamW needs contiguous parameter blocks, got " + a.shapeInfoToString());
            }
            return f;
        }
    }
}
