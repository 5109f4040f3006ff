package dev.attnspark.job.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.checkpoint.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hugging Face's {@code FuyuForCausalLM} reproduced: logits, loss and all 38 parameter gradients of the shared
 * {@code fuyu-tiny} fixture, from its own weights (transformers 5 names) and from the Hub layout of the same weights
 * ({@code fuyu-tiny-hf}: {@code save_pretrained}'s config and legacy names), also sharded as large checkpoints are,
 * and in BF16 as {@code adept/fuyu-8b} is published.
 */
class FuyuParityTest {
    static final Path TINY = Path.of("src/test/resources/fixtures/fuyu-tiny");
    static final Path HUB = Path.of("src/test/resources/fixtures/fuyu-tiny-hf");
    static final Path IO = TINY.resolve("io.safetensors");
    private static final int COMPARED = 2 + 38;

    @TempDir
    Path tmp;

    @Test
    void tinyFixtureReproducesHuggingFace() throws Exception {
        ReferenceCheck.Result r = ReferenceCheck.run("fuyu", TINY);
        assertThat(r.passed()).as(r.report()).isTrue();
        assertThat(r.comparisons()).hasSize(COMPARED);
        assertThat(r.parameters()).isEqualTo(404_160);
    }

    @Test
    void hubLayoutLoadsToTheSameModel() throws Exception {
        ReferenceCheck.Result r = ReferenceCheck.run("fuyu", HUB, IO);
        assertThat(r.passed()).as(r.report()).isTrue();
        assertThat(r.comparisons()).hasSize(COMPARED);
    }

    @Test
    void shardedHubCheckpointLoads() throws Exception {
        Path sharded = hubCopy("sharded");
        Map<String, INDArray> weights = Safetensors.read(HUB.resolve("model.safetensors"));
        List<String> names = new ArrayList<>(weights.keySet());
        int half = names.size() / 2;
        ObjectNode map = new ObjectMapper().createObjectNode();
        for (int shard = 1; shard <= 2; shard++) {
            String file = String.format("model-%05d-of-00002.safetensors", shard);
            Map<String, INDArray> part = new LinkedHashMap<>();
            for (String n : shard == 1 ? names.subList(0, half) : names.subList(half, names.size())) {
                part.put(n, weights.get(n));
                map.put(n, file);
            }
            try (OutputStream out = Files.newOutputStream(sharded.resolve(file))) {
                Safetensors.write(part, Map.of(), out);
            }
        }
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", 404_160L * 4);
        index.set("weight_map", map);
        Files.writeString(sharded.resolve("model.safetensors.index.json"), index.toPrettyString());

        ReferenceCheck.Result r = ReferenceCheck.run("fuyu", sharded, IO);
        assertThat(r.passed()).as(r.report()).isTrue();
    }

    /** BF16 keeps 8 significant bits: outputs agree to BF16's precision, not float32's. */
    @Test
    void bf16HubCheckpointAgreesWithinBf16Precision() throws Exception {
        Path bf16 = hubCopy("bf16");
        writeBf16(Safetensors.read(HUB.resolve("model.safetensors")), bf16.resolve("model.safetensors"));
        ReferenceCheck.Result r = ReferenceCheck.run("fuyu", bf16, IO);
        ReferenceCheck.Comparison logits = r.comparisons().get(0), loss = r.comparisons().get(1);
        assertThat(logits.name()).isEqualTo("logits");
        assertThat(logits.relativeError()).isGreaterThan(1e-5).isLessThan(2e-2);
        assertThat(loss.relativeError()).isLessThan(1e-2);
    }

    private Path hubCopy(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(HUB.resolve("config.json"), dir.resolve("config.json"));
        return dir;
    }

    /** A safetensors file of BF16 tensors, each float32 rounded to nearest even as torch's {@code .bfloat16()}. */
    private static void writeBf16(Map<String, INDArray> tensors, Path file) throws IOException {
        Map<String, INDArray> bf16 = new LinkedHashMap<>();
        tensors.forEach((name, a) -> {
            float[] v = a.dup('c').data().asFloat();
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.intBitsToFloat(Safetensors.bfloat16(v[i]) << 16); // exact in BF16, so the cast is exact
            }
            bf16.put(name, Nd4j.create(v, a.shape(), 'c').castTo(DataType.BFLOAT16));
        });
        try (OutputStream out = Files.newOutputStream(file)) {
            Safetensors.write(bf16, Map.of(), out);
        }
    }
}
