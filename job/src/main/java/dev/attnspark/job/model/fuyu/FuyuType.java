package dev.attnspark.job.model.fuyu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.core.LoraConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The descriptor of Hugging Face's {@code FuyuForCausalLM}. Its fixtures hold {@code input_ids},
 * {@code image_patches}, {@code labels} and optionally {@code attention_mask}; their {@code config.json} is
 * Hugging Face's, read by {@link FuyuConfig#fromHuggingFace}.
 */
public final class FuyuType implements ModelType<FuyuConfig> {
    public static final String NAME = "fuyu";
    public static final FuyuType INSTANCE = new FuyuType();

    private FuyuType() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<FuyuConfig> configClass() {
        return FuyuConfig.class;
    }

    @Override
    public FuyuConfig validate(FuyuConfig config, String keyPrefix) {
        config.validate(keyPrefix);
        if (config.partlyFrozen()) {
            List<String> params = create(config).parameters().stream().map(ParamSpec::name).toList();
            if (config.lora.enabled() && params.stream().noneMatch(LoraConfig::isAdapter)) {
                throw new IllegalArgumentException(keyPrefix + "lora.target_modules " + config.lora.targetModules
                        + " names no linear layer of the model (Fuyu's are query_key_value, dense, dense_h_to_4h, "
                        + "dense_4h_to_h, vision_embed_tokens)");
            }
            for (String t : config.trainable) {
                if (params.stream().noneMatch(p -> FuyuConfig.names(p, t))) {
                    throw new IllegalArgumentException(keyPrefix + "trainable: '" + t + "' names no parameter (names "
                            + "are whole dotted parts, e.g. lm_head, vision_embed_tokens, model.language_model.layers.0)");
                }
            }
        }
        return config;
    }

    @Override
    public Model create(FuyuConfig config) {
        return new FuyuForCausalLM(config);
    }

    @Override
    public FuyuConfig upstreamConfig(JsonNode json) {
        return FuyuConfig.fromHuggingFace(json);
    }

    @Override
    public JsonNode toUpstreamConfig(FuyuConfig config) {
        return config.toHuggingFace();
    }

    /**
     * The Hub's layout (transformers 4, and {@code adept/fuyu-8b} as published): {@code language_model.model.*},
     * {@code language_model.lm_head.*}, {@code vision_embed_tokens.*}.
     */
    @Override
    public Map<String, String> renames() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("language_model.model.", "model.language_model.");
        r.put("language_model.lm_head.", "lm_head.");
        r.put("vision_embed_tokens.", "model.vision_embed_tokens.");
        return r;
    }

    @Override
    public Batch fixtureBatch(Map<String, INDArray> io, FuyuConfig config) {
        INDArray ids = ModelType.fixtureTensor(io, FuyuForCausalLM.INPUT_IDS).castTo(DataType.FLOAT);
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(FuyuForCausalLM.INPUT_IDS, ids);
        arrays.put(FuyuForCausalLM.IMAGE_PATCHES, ModelType.fixtureTensor(io, FuyuForCausalLM.IMAGE_PATCHES)
                .castTo(DataType.FLOAT));
        INDArray mask = io.get(FuyuForCausalLM.ATTENTION_MASK);
        arrays.put(FuyuForCausalLM.ATTENTION_MASK, mask != null ? mask.castTo(DataType.FLOAT)
                : Nd4j.ones(DataType.FLOAT, ids.shape()));
        arrays.put(Batch.LABELS, ModelType.fixtureTensor(io, Batch.LABELS).castTo(DataType.FLOAT));
        return new Batch(arrays);
    }

    /**
     * Per example an {@code image_size} square image's grid of patches (300: 10 x 10) laid out as the processor does
     * (a placeholder per patch and a newline per row), then BOS and random text to 512 tokens; labels -100 over the
     * image block, as the PyTorch peer's batches ({@code bench_cpu.py --run fuyu}).
     */
    @Override
    public Batch randomBatch(FuyuConfig config, int batchSize, long seed) {
        Random rnd = new Random(seed);
        int l = Math.min(512, config.maxPositionEmbeddings);
        int rows = Math.max(1, Math.min(config.imageSize / config.patchSize, (int) Math.sqrt(l / 2.0) - 1));
        int cols = rows, patches = rows * cols;
        int newline = (config.imageTokenId + 1) % config.vocabSize;
        float[] ids = new float[batchSize * l], labels = new float[batchSize * l];
        for (int e = 0; e < batchSize; e++) {
            int i = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    ids[e * l + i++] = config.imageTokenId;
                }
                ids[e * l + i++] = newline;
            }
            int imageBlock = i;
            ids[e * l + i++] = config.bosTokenId;
            while (i < l) {
                int id;
                do {
                    id = rnd.nextInt(config.vocabSize);
                } while (id == config.imageTokenId);
                ids[e * l + i++] = id;
            }
            for (int j = 0; j < l; j++) {
                labels[e * l + j] = j < imageBlock ? -100 : ids[e * l + j];
            }
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(FuyuForCausalLM.INPUT_IDS, Nd4j.create(ids, new long[] {batchSize, l}, 'c'));
        arrays.put(FuyuForCausalLM.IMAGE_PATCHES, Nd4j.randn(seed, new long[] {batchSize, patches,
                config.patchValues()}).castTo(DataType.FLOAT));
        arrays.put(FuyuForCausalLM.ATTENTION_MASK, Nd4j.ones(DataType.FLOAT, batchSize, l));
        arrays.put(Batch.LABELS, Nd4j.create(labels, new long[] {batchSize, l}, 'c'));
        return new Batch(arrays);
    }

    /** {@code model.name_or_path}, a Hub download. */
    @Override
    public List<Start> startingWeights(FuyuConfig config) {
        return config.nameOrPath == null ? List.of() : List.of(new Start("model.name_or_path", config.nameOrPath, ""));
    }

    /** With {@code low_cpu_mem_usage} and a frozen part, {@code name_or_path}'s files hold it. */
    @Override
    public String frozenBase(FuyuConfig config) {
        return config.lowCpuMemUsage && config.nameOrPath != null && config.partlyFrozen() ? config.nameOrPath : null;
    }

    /** With adapters or a {@code trainable} list: every parameter not trained, by full name. */
    @Override
    public List<String> frozenPrefixes(FuyuConfig config) {
        if (!config.partlyFrozen()) {
            return List.of();
        }
        return create(config).parameters().stream().map(ParamSpec::name).filter(n -> !config.trains(n)).toList();
    }

    /** As Hugging Face's Trainer: no weight decay on biases and LayerNorm weights. */
    @Override
    public boolean decays(String param) {
        return !param.endsWith(".bias") && !param.contains("layernorm");
    }
}
