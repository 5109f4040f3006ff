package dev.attnspark.job.checkpoint;

import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.perceiverio.MaskedLanguageModelConfig;
import dev.attnspark.job.model.perceiverio.TextModelTypes;
import dev.attnspark.job.model.registry.ModelTypes;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.train.Optimizers;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code model.params} from perceiver-io's Hugging Face export layout ({@code backend_model.} names, safetensors in a
 * folder), and {@code model.encoder.params} loading only the encoder: the weights land in the network exactly.
 */
class StartingWeightsTest {
    static final Path MLM = Path.of("src/test/resources/fixtures/perceiver-io-mlm-tiny");

    @Test
    void loadsAnExportedMlmWholeAndItsEncoderAlone(@TempDir Path tmp) throws Exception {
        Map<String, INDArray> upstream;
        try (InputStream in = Files.newInputStream(MLM.resolve("model.safetensors"))) {
            upstream = Safetensors.read(new java.io.BufferedInputStream(in), "fixture");
        }
        Path export = Files.createDirectories(tmp.resolve("perceiver-io-mlm"));
        Map<String, INDArray> prefixed = new LinkedHashMap<>();
        upstream.forEach((k, v) -> prefixed.put("backend_model." + k, v));
        try (OutputStream out = Files.newOutputStream(export.resolve(SafetensorsFiles.SINGLE))) {
            Safetensors.write(prefixed, Map.of("format", "pt"), out);
        }
        MaskedLanguageModelConfig fixture = ModelTypes.readConfig(TextModelTypes.MLM,
                MLM.resolve("config.json").toFile());

        ComputationGraph whole = network(fixture, "model.params", export.toString());
        List<String> lines = StartingWeights.load(whole, TextModelTypes.MLM, fixture, new Configuration());
        assertThat(lines).containsExactly("model.params: 73 tensors from safetensors " + export);
        Graphs.parameters(whole).forEach((name, value) ->
                assertThat(value).as(name).isEqualTo(upstream.get(name).reshape(value.shape())));

        fixture.params = null;
        fixture.encoder.params = export.toString();
        ComputationGraph encoderOnly = network(fixture, "model.encoder.params", export.toString());
        Map<String, INDArray> before = new LinkedHashMap<>();
        Graphs.parameters(encoderOnly).forEach((k, v) -> before.put(k, v.dup()));
        StartingWeights.load(encoderOnly, TextModelTypes.MLM, fixture, new Configuration());
        Graphs.parameters(encoderOnly).forEach((name, value) -> {
            if (name.startsWith("0.")) {
                assertThat(value).as(name).isEqualTo(upstream.get(name).reshape(value.shape()));
            } else {
                assertThat(value).as(name + " untouched").isEqualTo(before.get(name));
            }
        });
    }

    @Test
    void aSourceThatIsNeitherSaysWhatItExpected(@TempDir Path tmp) throws Exception {
        MaskedLanguageModelConfig fixture = ModelTypes.readConfig(TextModelTypes.MLM,
                MLM.resolve("config.json").toFile());
        ComputationGraph net = network(fixture, "model.params", tmp.toString());
        assertThatThrownBy(() -> StartingWeights.load(net, TextModelTypes.MLM, fixture, new Configuration()))
                .hasMessageContaining("model.params=" + tmp)
                .hasMessageContaining("expected a checkpoint or run folder of this job, or safetensors");
    }

    private static ComputationGraph network(MaskedLanguageModelConfig model, String key, String path) {
        if (key.equals("model.params")) {
            model.params = path;
        }
        JobConfig cfg = ConfigLoader.load("../conf/perceiver-io-mlm-imdb.yaml", List.of("--data.dataset_dir=unused"),
                Tasks.ALL);
        JobConfig withModel = new JobConfig(cfg.task(), model, cfg.data(), cfg.optimizer(), cfg.lrScheduler(),
                cfg.trainer(), cfg.spark(), cfg.tree());
        ComputationGraph net = new ComputationGraph(Optimizers.graph(TextModelTypes.MLM, withModel,
                Optimizers.schedule(cfg.optimizer(), cfg.lrScheduler(), 1)));
        net.init();
        return net;
    }
}
