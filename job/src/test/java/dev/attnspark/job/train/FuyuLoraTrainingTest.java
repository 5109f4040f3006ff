package dev.attnspark.job.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.image.SyntheticShapes;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.checkpoint.FrozenWeightsFiles;
import dev.attnspark.job.checkpoint.Export;
import dev.attnspark.job.checkpoint.Safetensors;
import dev.attnspark.job.checkpoint.SafetensorsFiles;
import dev.attnspark.job.checkpoint.StartingWeights;
import dev.attnspark.job.checkpoint.UpstreamWeights;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.core.LoraConfig;
import dev.attnspark.job.model.registry.ModelTypes;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.fuyu.FuyuConfig;
import dev.attnspark.job.model.fuyu.FuyuType;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuyu with LoRA: the adapters (and the parameters named trainable) learn while the frozen base stays bit for bit
 * what it was; a BF16 base named by {@code model.name_or_path} is read in place, kept in BF16, and a checkpoint holds
 * only the trained part and the base's location.
 */
class FuyuLoraTrainingTest {
    private static final Configuration CONF = new Configuration();

    @Test
    void adaptersLearnWithGradientSharingWhileTheBaseStaysBitIdentical(@TempDir Path tmp) throws Exception {
        Path shapes = tmp.resolve("shapes");
        SyntheticShapes.write(shapes, 400, 80, 60, 1);
        Path run = tmp.resolve("run");
        FuyuTrainingTest.trainShapes(shapes, run, "--model.lora.r=8", "--model.lora.alpha=16",
                "--model.trainable=[lm_head]", "--trainer.strategy=shared", "--spark.master=local[2]",
                "--trainer.max_epochs=5");

        List<JsonNode> valid = MetricsFiles.rows(run, "valid");
        double first = valid.get(0).get("loss").asDouble(), last = valid.get(valid.size() - 1).get("loss").asDouble();
        assertThat(last).as("validation loss per token: " + valid).isLessThan(0.6 * first);

        ComputationGraph trained = Checkpoints.load(new org.apache.hadoop.fs.Path(run.toString()), CONF).network();
        Map<String, INDArray> published = Safetensors.read(run.resolve(FrozenWeightsFiles.NAME));
        Map<String, INDArray> frozenAfter = Graphs.frozenParameters(trained);
        assertThat(frozenAfter.keySet()).containsExactlyInAnyOrderElementsOf(published.keySet())
                .contains("model.language_model.embed_tokens.weight").doesNotContain("lm_head.weight");
        frozenAfter.forEach((name, v) -> assertThat(v).as(name).isEqualTo(published.get(name)));
        List<ParamSpec> trainable = Graphs.modelLayer(trained).trainableParameters();
        assertThat(trainable).extracting(ParamSpec::name).allMatch(n -> n.contains(".lora_") || n.startsWith("lm_head"));
        assertThat(Graphs.parameters(trained).get("model.language_model.layers.0.self_attn.dense.lora_B.weight")
                .amaxNumber().doubleValue()).as("B left zero").isGreaterThan(0);

        // merged into a Hub folder, the model gives the adapted model's logits without adapters
        FuyuConfig adapted = (FuyuConfig) ModelTypes.get(FuyuType.NAME).configClass().cast(new ObjectMapper()
                .readValue(Graphs.modelLayer(trained).modelConfigJson(), FuyuConfig.class));
        adapted = FuyuType.INSTANCE.validate(adapted, "model.");
        Batch batch = FuyuType.INSTANCE.randomBatch(adapted, 2, 9);
        INDArray expected = logits(FuyuType.INSTANCE.create(adapted), Graphs.parameters(trained), batch);
        Path merged = tmp.resolve("merged");
        Export.merged(trained, merged, DataType.FLOAT, shapes.resolve("tokenizer.json"));
        assertThat(merged.resolve("tokenizer.json")).exists();
        FuyuConfig plain = ModelTypes.readConfig(FuyuType.INSTANCE, merged.resolve("config.json").toFile());
        Model plainModel = FuyuType.INSTANCE.create(FuyuType.INSTANCE.validate(plain, "model."));
        assertThat(plainModel.parameters()).noneMatch(p -> LoraConfig.isAdapter(p.name()));
        ParamStore store = ParamStore.allocate(plainModel.parameters(), false);
        try (SafetensorsFiles files = SafetensorsFiles.open(merged)) {
            UpstreamWeights.load(files, plainModel, store.values(), merged.toString());
        }
        assertThat(relativeError(logits(plainModel, store.values(), batch), expected)).isLessThan(1e-5);

        // PEFT's adapter folder loads back onto the base
        Path adapters = tmp.resolve("adapters");
        Export.adapters(trained, adapters, null);
        Model again = FuyuType.INSTANCE.create(adapted);
        ParamStore onBase = ParamStore.allocate(again.parameters(), false);
        Map<String, INDArray> baseViews = new LinkedHashMap<>(onBase.values());
        Map<String, INDArray> trainedViews = new LinkedHashMap<>();
        trainable.forEach(p -> trainedViews.put(p.name(), baseViews.remove(p.name())));
        try (SafetensorsFiles files = SafetensorsFiles.open(run.resolve(FrozenWeightsFiles.NAME))) {
            UpstreamWeights.load(files, again, baseViews, "base");
        }
        try (SafetensorsFiles files = SafetensorsFiles.open(adapters.resolve("adapter_model.safetensors"))) {
            UpstreamWeights.load(files, again, trainedViews, adapters.toString());
        }
        assertThat(new ObjectMapper().readTree(adapters.resolve("adapter_config.json").toFile()).get("r").asInt())
                .isEqualTo(8);
        assertThat(relativeError(logits(again, onBase.values(), batch), expected)).isLessThan(1e-6);
    }

    private static INDArray logits(Model model, Map<String, INDArray> params, Batch batch) {
        Tape.ParamSource source = Tape.ParamSource.readOnly(params);
        try (Tape t = Tape.inference(source)) {
            return model.forward(t, batch).logits().value().castTo(DataType.FLOAT).dup();
        }
    }

    private static double relativeError(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / (b.amaxNumber().doubleValue() + 1e-6);
    }

    @Test
    void aBf16HubBaseIsReadInPlaceAndCheckpointsHoldOnlyWhatTrains(@TempDir Path tmp) throws Exception {
        Path shapes = tmp.resolve("shapes");
        SyntheticShapes.write(shapes, 64, 16, 60, 1);
        Path base = hubFolder(tmp.resolve("fuyu-base"), shapes.resolve("tokenizer.json"));
        Path run = tmp.resolve("run");
        FuyuTrainingTest.trainShapes(shapes, run, "--model.config_overrides=null", "--model.name_or_path=" + base,
                "--model.low_cpu_mem_usage=true", "--model.lora.r=4", "--data.tokenizer=null",
                "--trainer.strategy=single", "--trainer.max_epochs=1", "--spark.master=local[1]");

        assertThat(run.resolve(FrozenWeightsFiles.NAME)).doesNotExist();
        Checkpoints.Loaded loaded = Checkpoints.load(new org.apache.hadoop.fs.Path(run.toString()), CONF);
        assertThat(loaded.dir().toString()).doesNotContain(FrozenWeightsFiles.NAME);
        assertThat(Path.of(new java.net.URI(loaded.dir().toUri().toString())).resolve(FrozenWeightsFiles.NAME))
                .doesNotExist();
        assertThat(loaded.state().frozenBase()).isEqualTo("file:" + base);
        Map<String, INDArray> frozen = Graphs.frozenParameters(loaded.network());
        Map<String, INDArray> file = Safetensors.read(base.resolve("model.safetensors"));
        assertThat(frozen).hasSize(file.size());
        frozen.forEach((name, v) -> {
            assertThat(v.dataType()).as(name).isEqualTo(DataType.BFLOAT16);
            assertThat(v.castTo(DataType.FLOAT)).as(name).isEqualTo(file.get(name));
        });
        assertThat(loaded.network().params().length()).as("DL4J holds the adapters only")
                .isEqualTo(Graphs.modelLayer(loaded.network()).trainableParameters().stream()
                        .mapToLong(ParamSpec::length).sum())
                .isLessThan(file.values().stream().mapToLong(INDArray::length).sum() / 10);
    }

    /** The trained part of a network over a base read in place is loaded from the base: lm_head, when trainable. */
    @Test
    void trainableParametersStartFromTheBaseReadInPlace(@TempDir Path tmp) throws Exception {
        Path shapes = tmp.resolve("shapes");
        SyntheticShapes.write(shapes, 8, 4, 60, 1);
        Path base = hubFolder(tmp.resolve("fuyu-base"), shapes.resolve("tokenizer.json"));
        FuyuConfig c = ModelTypes.readConfig(FuyuType.INSTANCE, base.resolve("config.json").toFile());
        c.nameOrPath = base.toString();
        c.lowCpuMemUsage = true;
        c.lora.r = 4;
        c.trainable = List.of("lm_head");
        c = FuyuType.INSTANCE.validate(c, "model.");
        ModelLayer layer = new ModelLayer(Graphs.MODEL, FuyuType.NAME, c, new NoOp(), List.of(),
                FuyuType.INSTANCE.frozenPrefixes(c));
        ComputationGraphConfiguration conf = Graphs.of(layer, 7, DataType.FLOAT);
        Graphs.modelLayer(conf).frozenWeights(FrozenWeightsFiles.base(FuyuType.INSTANCE.frozenBase(c), CONF));
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        StartingWeights.load(net, FuyuType.INSTANCE, c, CONF);
        INDArray lmHead = Safetensors.read(base.resolve("model.safetensors")).get("lm_head.weight");
        assertThat(Graphs.trainableParameters(net).get("lm_head.weight")).isEqualTo(lmHead);
        assertThat(Graphs.parameters(net).get("lm_head.weight")).isEqualTo(lmHead);
        assertThat(Graphs.frozenParameters(net).get("model.language_model.embed_tokens.weight").dataType())
                .isEqualTo(DataType.BFLOAT16);
    }

    /** A Hub download of a random tiny Fuyu in BF16: config.json, model.safetensors, tokenizer.json. */
    static Path hubFolder(Path dir, Path tokenizer) throws Exception {
        Files.createDirectories(dir);
        FuyuConfig c = new FuyuConfig();
        c.configOverrides = "hidden_size=64,intermediate_size=256,num_hidden_layers=2,num_attention_heads=4,"
                + "vocab_size=16,max_position_embeddings=64,rope_theta=10000,image_token_id=5";
        c = FuyuType.INSTANCE.validate(c, "model.");
        c.configOverrides = null;
        Files.writeString(dir.resolve("config.json"), new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(c.toHuggingFace()));
        Nd4j.getRandom().setSeed(3);
        ParamStore store = ParamStore.allocate(FuyuType.INSTANCE.create(c).parameters(), false);
        Map<String, INDArray> bf16 = new LinkedHashMap<>();
        store.values().forEach((k, v) -> bf16.put(k, v.castTo(DataType.BFLOAT16)));
        try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
            Safetensors.write(bf16, Map.of("format", "pt"), out);
        }
        Files.copy(tokenizer, dir.resolve("tokenizer.json"));
        return dir;
    }
}
