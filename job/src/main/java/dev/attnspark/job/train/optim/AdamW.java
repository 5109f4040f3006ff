package dev.attnspark.job.train.optim;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;
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

    /** Elements updated at a time. */
    static final long CHUNK = 1L << 20;
    private static final String WORKSPACE_ID = "attnspark-adamw";
    private static final WorkspaceConfiguration CHUNK_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0).overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE)
            .build();

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
         * Turns {@code gradient} into the update (subtracted from the parameters by DL4J), {@link #CHUNK} elements at
         * a time: the few temporaries of the arithmetic are chunk-sized and live in a workspace reused chunk after
         * chunk. Done on the whole block at once they were three parameter-sized arrays per step (2.4 GB for the
         * 201M-parameter MLM), left for the garbage collector to free.
         */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            double lr = config.getLearningRate(iteration, epoch);
            double b1 = config.beta1, b2 = config.beta2;
            int t = iteration + 1;
            double bias1 = 1 - Math.pow(b1, t);
            double sqrtBias2 = Math.sqrt(1 - Math.pow(b2, t));
            INDArray g = flat(gradient), mm = flat(m), vv = flat(v);
            long n = g.length();
            for (long from = 0; from < n; from += CHUNK) {
                long to = Math.min(n, from + CHUNK);
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager()
                        .getAndActivateWorkspace(CHUNK_WORKSPACE, WORKSPACE_ID)) {
                    INDArray gc = g.get(NDArrayIndex.interval(from, to));
                    INDArray mc = mm.get(NDArrayIndex.interval(from, to));
                    INDArray vc = vv.get(NDArrayIndex.interval(from, to));
                    mc.muli(b1).addi(gc.mul(1 - b1));
                    vc.muli(b2).addi(gc.mul(gc).muli(1 - b2));
                    INDArray denom = Transforms.sqrt(vc, true).divi(sqrtBias2).addi(config.epsilon);
                    gc.assign(mc).divi(denom).muli(lr / bias1);
                }
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
