package dev.attnspark.job.model.fuyu;

import dev.attnspark.job.checkpoint.Safetensors;
import dev.attnspark.job.checkpoint.SafetensorsFiles;
import dev.attnspark.job.checkpoint.UpstreamWeights;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.GradientChecks;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.core.LoraConfig;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.registry.ModelTypes;
import dev.attnspark.job.reference.ReferenceCheck;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * LoRA adapters on Fuyu, as PEFT defines them: with B zero the adapted model is the fixture's model exactly (logits,
 * loss and every base gradient), the adapters' gradients agree with finite differences, and only the targeted
 * layers get adapters.
 */
class FuyuLoraTest {
    private static final Path TINY = Path.of("src/test/resources/fixtures/fuyu-tiny");

    private static FuyuConfig fixtureConfig(int r) throws Exception {
        FuyuConfig c = ModelTypes.readConfig(FuyuType.INSTANCE, TINY.resolve("config.json").toFile());
        c.lora.r = r;
        c.lora.alpha = 2 * r;
        return FuyuType.INSTANCE.validate(c, "model.");
    }

    @Test
    void adaptersWithZeroBReproduceTheFixture() throws Exception {
        FuyuConfig c = fixtureConfig(4);
        Model model = FuyuType.INSTANCE.create(c);
        ParamStore store = ParamStore.allocate(model.parameters(), true);
        try (SafetensorsFiles weights = SafetensorsFiles.open(TINY)) {
            UpstreamWeights.load(weights, model, store.values(), TINY.toString(), FuyuType.INSTANCE.renames());
        }
        Map<String, INDArray> io = Safetensors.read(TINY.resolve("io.safetensors"));
        Batch batch = FuyuType.INSTANCE.fixtureBatch(io, c);
        try (Tape tape = new Tape(false, true, store)) {
            Output out = model.forward(tape, batch);
            assertThat(ReferenceCheck.relativeError(out.logits().value(), io.get("logits"))).isLessThan(1e-5);
            assertThat(ReferenceCheck.relativeError(out.loss().value().reshape(1), io.get("loss"))).isLessThan(1e-6);
            tape.backward(out.loss(), Nd4j.scalar(DataType.FLOAT, 1.0));
        }
        int adapted = 0;
        for (Map.Entry<String, INDArray> g : store.grads().entrySet()) {
            String name = g.getKey();
            if (name.contains(".lora_B.")) {
                adapted++;
                assertThat(g.getValue().amaxNumber().doubleValue()).as(name).isGreaterThan(0);
            } else if (name.contains(".lora_A.")) {
                assertThat(g.getValue().amaxNumber().doubleValue()).as(name + " (B is zero)").isZero();
            } else {
                assertThat(ReferenceCheck.relativeError(g.getValue(), io.get("grad." + name))).as(name)
                        .isLessThan(1e-3);
            }
        }
        // query_key_value and the attention's dense in each of the fixture's layers
        assertThat(adapted).isEqualTo(2 * c.numHiddenLayers);
    }

    @Test
    void adapterNamesAreThoseOfPeftAndOnlyTargetsGetThem() throws Exception {
        FuyuConfig c = fixtureConfig(2);
        List<ParamSpec> adapters = FuyuType.INSTANCE.create(c).parameters().stream()
                .filter(p -> LoraConfig.isAdapter(p.name())).toList();
        assertThat(adapters).extracting(ParamSpec::name).contains(
                "model.language_model.layers.0.self_attn.query_key_value.lora_A.weight",
                "model.language_model.layers.0.self_attn.query_key_value.lora_B.weight",
                "model.language_model.layers.0.self_attn.dense.lora_A.weight");
        assertThat(adapters).extracting(ParamSpec::name).noneMatch(n -> n.contains("mlp."));
        ParamSpec a = adapters.get(0);
        assertThat(a.shape()).containsExactly(2, c.hiddenSize);
        assertThat(a.init()).isEqualTo(new ParamSpec.Init.Uniform(1 / Math.sqrt(c.hiddenSize)));
        assertThat(FuyuType.INSTANCE.frozenPrefixes(c)).noneMatch(LoraConfig::isAdapter)
                .contains("lm_head.weight", "model.language_model.embed_tokens.weight");

        c.trainable = List.of("lm_head");
        assertThat(FuyuType.INSTANCE.frozenPrefixes(c)).doesNotContain("lm_head.weight");
        c.trainable = List.of("lm_hea");
        assertThatThrownBy(() -> FuyuType.INSTANCE.validate(c, "model.")).hasMessageContaining(
                "model.trainable: 'lm_hea' names no parameter");
        c.trainable = List.of();
        c.lora.targetModules = List.of("q_proj");
        assertThatThrownBy(() -> FuyuType.INSTANCE.validate(c, "model.")).hasMessageContaining(
                "model.lora.target_modules [q_proj] names no linear layer");
    }

    /** The frozen base inside a DL4J graph in double precision, B made non-zero so that A's gradient is too. */
    @Test
    void adapterGradientsMatchFiniteDifferences() throws Exception {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            FuyuConfig c = fixtureConfig(2);
            c.lora.targetModules = List.of("query_key_value", "dense", "dense_4h_to_h");
            ModelLayer layer = new ModelLayer(Graphs.MODEL, FuyuType.NAME, c, new NoOp(), List.of(),
                    FuyuType.INSTANCE.frozenPrefixes(c));
            ComputationGraph net = new ComputationGraph(Graphs.of(layer, 7, DataType.DOUBLE));
            net.init();
            Nd4j.getRandom().setSeed(5);
            Graphs.parameters(net).forEach((name, v) -> {
                if (name.contains(".lora_B.")) {
                    v.assign(Nd4j.randn(DataType.DOUBLE, v.shape()).muli(0.3));
                }
            });
            assertThat(net.params().length()).isEqualTo(ParamStore.size(Graphs.modelLayer(net).trainableParameters()));
            Map<String, INDArray> io = Safetensors.read(TINY.resolve("io.safetensors"));
            Batch batch = FuyuType.INSTANCE.fixtureBatch(io, c);
            Map<String, INDArray> doubles = new java.util.LinkedHashMap<>();
            batch.arrays().forEach((k, v) -> doubles.put(k, v.castTo(DataType.DOUBLE)));
            List<String> failures = GradientChecks.sampled(net,
                    new Batch(doubles).toMultiDataSet(Graphs.modelLayer(net).model().inputs()), 3, 1e-6, 1e-4, 1e-9,
                    13);
            assertThat(failures).isEmpty();
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }
}
