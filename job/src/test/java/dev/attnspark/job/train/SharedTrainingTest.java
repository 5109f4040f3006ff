package dev.attnspark.job.train;

import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import org.apache.commons.io.output.TeeOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;


/** Gradient sharing (DL4J's SharedTrainingMaster, Aeron) in Spark local[2] learns the generated digits. */
class SharedTrainingTest {

    @Test
    void reachesNinetyPercentValidationAccuracy(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 6000, 1000);
        Path run = tmp.resolve("run");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Trainer.Result r = Trainer.train(TestRuns.config(digits, run, StrategyRuns.overrides("shared", 5)), false,
                new PrintStream(new TeeOutputStream(System.out, out), true, StandardCharsets.UTF_8));
        StrategyRuns.assertLearned(run, r, 5);
        // DL4J sums the trainers' updates: each of the 2 steps with half of lr 2e-3, and a step takes 2 batches
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("2 workers (shared: 2 trainers, each at lr 0.00100), batch 32 per trainer, 188 batches = 94 "
                        + "steps per epoch, 470 steps in all");
        // and the checkpointed model's optimizer really steps with it (after the 20 warm-up steps)
        ComputationGraph net = Checkpoints.load(r.lastCheckpoint(), new Configuration()).network();
        ModelLayer layer = Graphs.modelLayer(net);
        assertThat(layer.getUpdaterByParam(net.paramTable().keySet().iterator().next()).getLearningRate(100, 0))
                .isCloseTo(1e-3, within(1e-12));
    }
}
