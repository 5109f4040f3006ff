package dev.attnspark.job.train.strategy;

import dev.attnspark.job.config.ConfigException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaskResultHeapTest {
    private static final long GIB = 1L << 30;
    /** Perceiver AR model 1 with Adam: parameters and both moments, the object and its serialized copy. */
    private static final long MODEL_1 = 8L * 3 * 30_563_078;

    @Test
    void aResultIsTheParametersAndAdamStateTwice() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().updater(new Adam(1e-3))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(10).nOut(20).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(20).nOut(3).build(),
                        "hidden")
                .setOutputs("out").build());
        net.init();
        assertThat(net.numParams()).isEqualTo(10 * 20 + 20 + 20 * 3 + 3);
        assertThat(TaskResultHeap.perResult(net)).isEqualTo(24 * net.numParams());
    }

    /** The measured case: two trainers of model 1 died on a 1 GiB heap and trained on 2 GiB. */
    @Test
    void localModeCountsEveryWorkersResult() {
        assertThatThrownBy(() -> TaskResultHeap.check(true, GIB, GIB, MODEL_1, "shared", 2))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("trainer.strategy=shared")
                .hasMessageContaining("699 MB for this model")
                .hasMessageContaining("this JVM, holding 2 workers' results, needs about 1911 MB of heap and has 1024 MB")
                .hasMessageContaining("Raise MEMORY");
        assertThatCode(() -> TaskResultHeap.check(true, 2 * GIB, GIB, MODEL_1, "shared", 2)).doesNotThrowAnyException();
        assertThatThrownBy(() -> TaskResultHeap.check(true, GIB, GIB, MODEL_1, "shared", 1))
                .hasMessageContaining("holding one worker's result, needs about 1211 MB");
    }

    @Test
    void onAClusterTheDriverAndEachExecutorHoldOne() {
        assertThatCode(() -> TaskResultHeap.check(false, 2 * GIB, 2 * GIB, MODEL_1, "averaging", 8))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TaskResultHeap.check(false, 8 * GIB, GIB, 4 * MODEL_1, "averaging", 8))
                .hasMessageContaining("each executor, returning its result,").hasMessageContaining("spark.executor.memory");
        assertThatThrownBy(() -> TaskResultHeap.check(false, GIB, 8 * GIB, 4 * MODEL_1, "averaging", 8))
                .hasMessageContaining("the driver, receiving").hasMessageContaining("spark.driver.memory");
    }
}
