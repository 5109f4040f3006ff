package dev.attnspark.job.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.core.LoraConfig;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.registry.ModelTypes;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A trained network written as upstream tools read it: a Hugging Face checkpoint folder ({@code config.json},
 * {@code model.safetensors}, the tokenizer) with LoRA adapters merged into the weights they adapt
 * ({@code W + alpha/r · B A}), or PEFT's adapter folder ({@code adapter_config.json},
 * {@code adapter_model.safetensors} under {@code base_model.model.} names) that loads back onto its base. The folder
 * appears whole or not at all.
 */
public final class Export {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Export() {}

    /** What an export wrote: the folder and one line per file. */
    public record Written(Path dir, List<String> lines) {}

    /** The full model, adapters merged, as a Hub folder; {@code tokenizer} (a file or null) is copied into it. */
    public static Written merged(ComputationGraph net, Path out, DataType dtype, Path tokenizer) throws IOException {
        requireNew(out);
        ModelLayer layer = Graphs.modelLayer(net);
        ObjectNode config = (ObjectNode) JSON.readTree(layer.modelConfigJson());
        Map<String, INDArray> weights = mergeAdapters(Graphs.parameters(net), lora(config));
        Map<String, INDArray> typed = new LinkedHashMap<>();
        weights.forEach((k, v) -> typed.put(k, v.castTo(dtype)));
        if (config.has("lora")) {
            ((ObjectNode) config.get("lora")).put("r", 0);
        }
        if (config.has("trainable")) {
            config.putArray("trainable");
        }
        if (config.has("name_or_path")) {
            config.putNull("name_or_path");
        }
        JsonNode upstream = upstreamConfig(layer.modelType(), config);
        return atomically(out, dir -> {
            Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(upstream));
            try (OutputStream o = Files.newOutputStream(dir.resolve(SafetensorsFiles.SINGLE))) {
                Safetensors.write(typed, Map.of("format", "pt"), o);
            }
            if (tokenizer != null) {
                Files.copy(tokenizer, dir.resolve("tokenizer.json"));
            }
        }, String.format("%s: %,d tensors (%s), adapters merged; config.json%s", SafetensorsFiles.SINGLE,
                typed.size(), dtype.name().toLowerCase(java.util.Locale.ROOT), tokenizer == null ? ""
                        : "; tokenizer.json"));
    }

    /**
     * PEFT's adapter folder: the adapters and the other trained parameters (PEFT's {@code modules_to_save}) under
     * {@code base_model.model.} names, and the LoRA settings; {@code base} names the base model for PEFT.
     */
    public static Written adapters(ComputationGraph net, Path out, String base) throws IOException {
        requireNew(out);
        ModelLayer layer = Graphs.modelLayer(net);
        JsonNode config = JSON.readTree(layer.modelConfigJson());
        LoraConfig lora = lora(config);
        if (lora == null || !lora.enabled()) {
            throw new IllegalArgumentException("the checkpoint's model has no LoRA adapters (model.lora.r is 0): "
                    + "export it whole, without --adapters");
        }
        Map<String, INDArray> trained = new LinkedHashMap<>();
        List<String> saved = new java.util.ArrayList<>();
        // the trained part only: a frozen base read in place is not needed, so not read
        Graphs.trainableParameters(net).forEach((name, value) -> {
            trained.put("base_model.model." + name, value);
            if (!LoraConfig.isAdapter(name)) {
                saved.add(name.substring(0, name.lastIndexOf('.')));
            }
        });
        ObjectNode peft = JSON.createObjectNode();
        peft.put("peft_type", "LORA").put("task_type", "CAUSAL_LM").put("r", lora.r).put("lora_alpha", lora.alpha)
                .put("lora_dropout", lora.dropout).put("bias", "none").put("inference_mode", true);
        lora.targetModules.forEach(peft.putArray("target_modules")::add);
        saved.stream().distinct().forEach(peft.putArray("modules_to_save")::add);
        if (base != null) {
            peft.put("base_model_name_or_path", base);
        }
        return atomically(out, dir -> {
            Files.writeString(dir.resolve("adapter_config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(peft));
            try (OutputStream o = Files.newOutputStream(dir.resolve("adapter_model.safetensors"))) {
                Safetensors.write(trained, Map.of("format", "pt"), o);
            }
        }, String.format("adapter_model.safetensors: %,d tensors (r %d, alpha %s); adapter_config.json",
                trained.size(), lora.r, lora.alpha));
    }

    /**
     * The weights with every adapted linear layer's {@code lora_A}/{@code lora_B} folded into its {@code weight}
     * ({@code W + scaling · B A}, in float32) and the adapters dropped.
     */
    public static Map<String, INDArray> mergeAdapters(Map<String, INDArray> params, LoraConfig lora) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            if (LoraConfig.isAdapter(name)) {
                continue;
            }
            INDArray w = e.getValue();
            String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
            INDArray a = module == null ? null : params.get(module + ".lora_A.weight");
            if (a != null) {
                INDArray b = params.get(module + ".lora_B.weight").castTo(DataType.FLOAT);
                w = w.castTo(DataType.FLOAT).add(b.mmul(a.castTo(DataType.FLOAT)).muli(lora.scaling()));
            }
            out.put(name, w);
        }
        return out;
    }

    private static LoraConfig lora(JsonNode config) throws IOException {
        return config.hasNonNull("lora") ? JSON.treeToValue(config.get("lora"), LoraConfig.class) : null;
    }

    private static JsonNode upstreamConfig(String modelType, JsonNode config) throws IOException {
        return upstreamConfig(ModelTypes.get(modelType), config);
    }

    private static <C> JsonNode upstreamConfig(ModelType<C> type, JsonNode config) throws IOException {
        C c = new ObjectMapper().readerFor(type.configClass()).readValue(config);
        JsonNode upstream = type.toUpstreamConfig(c);
        return upstream != null ? upstream : JSON.valueToTree(c);
    }

    private interface Writer {
        void write(Path dir) throws IOException;
    }

    private static void requireNew(Path out) {
        if (Files.exists(out)) {
            throw new IllegalArgumentException(out + " already exists; choose another --out");
        }
    }

    /** Writes into a hidden sibling, then renames it to {@code out} (which must not exist). */
    private static Written atomically(Path out, Writer writer, String line) throws IOException {
        requireNew(out);
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + out.getFileName() + "-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            writer.write(tmp);
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            org.apache.commons.io.FileUtils.deleteQuietly(tmp.toFile());
            throw e;
        }
        return new Written(out, List.of(line));
    }
}
