package dev.attnspark.job.train.optim;

import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelConfig;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelType;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Optimizers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Global-norm gradient clipping ({@code trainer.gradient_clip_val}) against a hand-computed case, and perceiver-io's
 * {@code CosineWithWarmupLR} with {@code min_fraction} (model 2's schedule) at hand-computed steps.
 */
class ClippingAndScheduleTest {

    /**
     * One Adam step from zero state: the first moment is (1 - beta1) times the gradient Adam received, so it shows
     * that gradient: the batch-mean gradient scaled to norm c when its norm is above c (clip_grad_norm_), unchanged
     * below.
     */
    @Test
    void clippingScalesTheMeanGradientToTheGlobalNorm() {
        INDArray g = gradient(null, 1);
        double norm = g.norm2Number().doubleValue();
        assertThat(norm).isGreaterThan(0);
        for (double c : new double[] {norm / 4, norm * 4}) {
            INDArray m = firstMoment(c);
            INDArray expected = g.mul(0.1 * Math.min(1.0, c / norm));
            double err = m.sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
            assertThat(err).as("clip " + c + " of norm " + norm).isLessThan(1e-4);
        }
    }

    @Test
    void cosineWithWarmupAndMinFraction() {
        WarmupSchedule s = WarmupSchedule.cosine(3e-4, 1000, 50000, 0.1, 0.5);
        assertThat(s.valueAt(0, 0)).isEqualTo(0.0);
        assertThat(s.valueAt(500, 0)).isCloseTo(1.5e-4, within(1e-12));
        assertThat(s.valueAt(1000, 0)).isCloseTo(3e-4, within(1e-12));
        assertThat(s.valueAt(25500, 0)).isCloseTo(3e-4 * 0.55, within(1e-12)); // half way: 0.1 + 0.45 (1 + cos pi/2)
        assertThat(s.valueAt(50000, 0)).isCloseTo(3e-5, within(1e-12));      // the floor, min_fraction
    }

    private static JobConfig config(Double clip) {
        List<String> o = new ArrayList<>(List.of("--data.dataset_dir=/nonexistent", "--data.max_seq_len=32",
                "--model.max_latents=8", "--model.num_channels=16", "--model.num_heads=2",
                "--model.num_self_attention_layers=1", "--model.cross_attention_dropout=0.0", "--optimizer.lr=1e-3",
                "--lr_scheduler.name=none"));
        o.add("--trainer.gradient_clip_val=" + (clip == null ? "null" : clip));
        return ConfigLoader.load("../conf/perceiver-ar-clm-wikitext103.yaml", o, Tasks.ALL);
    }

    private static final Batch BATCH = CausalLanguageModelType.INSTANCE.randomBatch(
            (CausalLanguageModelConfig) config(null).model(), 4, 9);

    private static ComputationGraph net(Double clip) {
        JobConfig cfg = config(clip);
        ComputationGraph net = new ComputationGraph(Optimizers.graph(Tasks.ALL.get(cfg.task()), cfg,
                WarmupSchedule.constant(1e-3, 0)));
        net.init();
        return net;
    }

    /** The batch-mean gradient (DL4J's gradient view holds it times the batch size). */
    private static INDArray gradient(Double clip, int unused) {
        ComputationGraph net = net(clip);
        net.setInputs(BATCH.toMultiDataSet(List.of("input_ids", "pad_mask")).getFeatures());
        net.setLabels(BATCH.labels());
        net.computeGradientAndScore();
        return net.gradient().gradient().div(BATCH.size());
    }

    private static INDArray firstMoment(double clip) {
        ComputationGraph net = net(clip);
        net.fit(BATCH.toMultiDataSet(List.of("input_ids", "pad_mask")));
        INDArray state = net.getUpdater().getStateViewArray();
        long n = net.params().length();
        return state.reshape(state.length()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).dup();
    }
}
