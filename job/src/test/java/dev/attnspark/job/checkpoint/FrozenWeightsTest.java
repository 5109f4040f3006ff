package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.ModelLayerTest;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.dl4j.FrozenWeights;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.perceiverio.ImageClassifierType;
import dev.attnspark.job.train.optim.AdamW;
import dev.attnspark.job.train.optim.WarmupSchedule;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Frozen parameters are not DL4J parameters: the flat parameter, gradient and updater vectors hold only the trainable
 * ones, training leaves the frozen ones bit-identical, and they travel as a file checked by its hash (to executors,
 * and in checkpoints).
 */
class FrozenWeightsTest {
    static final Configuration CONF = new Configuration();
    static final List<String> ENCODER = List.of("0.");

    static ComputationGraph network() {
        ModelLayer layer = new ModelLayer(Graphs.MODEL, ImageClassifierType.NAME, ModelLayerTest.tiny(),
                new AdamW(WarmupSchedule.constant(3e-3, 0), 0.9, 0.999, 1e-8), List.of(new WeightDecay(0.01, true)),
                ENCODER);
        ComputationGraph net = new ComputationGraph(Graphs.of(layer, 7, DataType.FLOAT));
        net.init();
        return net;
    }

    static MultiDataSet batch(long seed) {
        return ModelLayerTest.batch(6, DataType.FLOAT, seed);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @Test
    void aFrozenEncoderHasNoGradientOrUpdaterMemoryAndDoesNotMove() {
        ComputationGraph net = network();
        ModelLayer layer = Graphs.modelLayer(net);
        long trainable = ParamStore.size(layer.trainableParameters());
        long frozen = ParamStore.size(layer.frozenParameters());
        assertThat(frozen).as("the encoder's parameters").isPositive();
        assertThat(layer.frozenParameters()).allMatch(p -> p.name().startsWith("0."));
        Map<String, INDArray> frozenBefore = copy(Graphs.frozenParameters(net));
        INDArray trainableBefore = net.params().dup();

        MultiDataSet d = batch(1);
        for (int i = 0; i < 5; i++) {
            net.fit(d);
        }
        assertThat(net.params().length()).isEqualTo(trainable);
        assertThat(net.getGradientsViewArray().length()).as("gradient memory").isEqualTo(trainable);
        assertThat(net.getUpdater().getStateViewArray().length()).as("AdamW's two moments").isEqualTo(2 * trainable);
        assertThat(Graphs.frozenParameters(net)).as("bit-identical after training").isEqualTo(frozenBefore);
        assertThat(net.params()).as("the decoder trains").isNotEqualTo(trainableBefore);
        assertThat(Graphs.parameters(net).keySet()).as("every parameter, in declaration order")
                .containsExactlyElementsOf(layer.model().parameters().stream().map(ParamSpec::name).toList());
    }

    @Test
    void publishedFrozenValuesReachNetworksBuiltFromTheConfigurationAndCheckpoints(@TempDir java.nio.file.Path tmp)
            throws Exception {
        ComputationGraph net = network();
        net.fit(batch(2));
        FrozenWeights.Source source = FrozenWeightsFiles.publish(net, new Path(tmp.resolve("run/frozen.safetensors")
                .toString()), CONF).orElseThrow();
        assertThat(Graphs.modelLayer(net).frozenWeights()).isEqualTo(source);

        // as an executor builds it: the configuration's JSON and the trainable parameters
        ComputationGraph worker = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                net.getConfiguration().toJson()));
        worker.init(net.params().dup(), false);
        INDArray x = batch(3).getFeatures(0);
        assertThat(worker.outputSingle(x)).isEqualTo(net.outputSingle(x));

        // read back from the file, as an executor of another JVM does
        Map<String, INDArray> read = new FrozenWeightsFiles().read(source, Graphs.frozenParameters(net).keySet(),
                Map.of());
        assertThat(read).isEqualTo(Graphs.frozenParameters(net));

        Checkpoints c = new Checkpoints(new RunDir(tmp.resolve("run").toString(), CONF));
        Path saved = c.save(net, 1, 0, 1, "task: x\n", 1);
        Checkpoints.Loaded loaded = Checkpoints.load(saved, CONF);
        assertThat(loaded.state().frozenSha256()).isEqualTo(source.sha256());
        assertThat(Graphs.modelLayer(loaded.network()).frozenWeights().location())
                .startsWith("file:").endsWith("/" + saved.getName() + "/" + FrozenWeightsFiles.NAME);
        assertThat(Graphs.parameters(loaded.network())).isEqualTo(Graphs.parameters(net));
    }

    @Test
    void aReplacedFrozenFileIsRefusedNamingIt(@TempDir java.nio.file.Path tmp) throws Exception {
        ComputationGraph net = network();
        Checkpoints c = new Checkpoints(new RunDir(tmp.toString(), CONF));
        Path saved = c.save(net, 1, 0, 1, "task: x\n", 1);
        Path file = new Path(saved, FrozenWeightsFiles.NAME);
        FileSystem fs = file.getFileSystem(CONF);
        Map<String, INDArray> other = copy(Graphs.frozenParameters(net));
        other.values().iterator().next().addi(1);
        try (OutputStream out = fs.create(file, true)) {
            Safetensors.write(other, Map.of(), out);
        }
        assertThatThrownBy(() -> Checkpoints.load(saved, CONF)).hasMessageContaining(FrozenWeightsFiles.NAME)
                .hasMessageContaining("is damaged");
        assertThatThrownBy(() -> new FrozenWeightsFiles().read(new FrozenWeights.Source(
                fs.makeQualified(file).toString(), "00" + "ab".repeat(31)), Graphs.frozenParameters(net).keySet(),
                Map.of()))
                .hasMessageContaining("differs from the one recorded");
    }
}
