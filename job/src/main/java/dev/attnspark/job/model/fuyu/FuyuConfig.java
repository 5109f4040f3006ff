package dev.attnspark.job.model.fuyu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.attnspark.job.model.core.LoraConfig;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code model:} section of a Fuyu run: Hugging Face's {@code FuyuConfig}, with its decoder's settings (those of
 * {@code text_config}, a {@code PersimmonConfig}) flattened in, under their upstream names and with upstream's
 * defaults, which are {@code adept/fuyu-8b}'s. {@code config_overrides} ({@code "hidden_size=256,num_hidden_layers=4"},
 * as run_clm's {@code --config_overrides}) changes them for a model created on the fly; {@code name_or_path} takes
 * them from a checkpoint's {@code config.json} instead. The first keys are the job's, not Hugging Face's: where the
 * weights come from, and what is trained ({@code lora}, {@code trainable}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class FuyuConfig {
    /** The keys below that are not upstream settings ({@code config_overrides} cannot set them). */
    private static final Set<String> JOB_KEYS = Set.of("config_overrides", "name_or_path", "low_cpu_mem_usage",
            "lora", "trainable");

    /** Comma-separated {@code key=value} pairs over the settings below; applied by {@link #validate}. */
    public String configOverrides;
    /**
     * A local folder as a Hub download leaves it ({@code config.json}, {@code model.safetensors} or its shards and
     * index, {@code tokenizer.json}): the architecture, the starting weights and the default tokenizer.
     */
    public String nameOrPath;
    /**
     * With {@code name_or_path} and a frozen base: the frozen weights are read once, memory-mapped, straight from the
     * checkpoint's files into one array per JVM in the checkpoint's own type (BF16 stays BF16), never initialized
     * first nor copied into the run; otherwise they are initialized in float32 and overwritten.
     */
    public boolean lowCpuMemUsage = false;
    /**
     * LoRA adapters on the targeted linear layers (by default the attention projections, {@code query_key_value} and
     * {@code dense}); with them only adapters and {@code trainable} are trained.
     */
    public LoraConfig lora = new LoraConfig();
    /**
     * Parameters trained besides the adapters, by name or module name ({@code vision_embed_tokens}, {@code lm_head},
     * {@code model.language_model.layers.35}: whole dotted parts of a parameter name, from its start or after a dot).
     * With no adapters and a non-empty list, only these are trained.
     */
    public List<String> trainable = new ArrayList<>();

    public int vocabSize = 262144;
    public int hiddenSize = 4096;
    public int intermediateSize = 16384;
    public int numHiddenLayers = 36;
    public int numAttentionHeads = 64;
    /** Only {@code relu2} (squared ReLU), Persimmon's and Fuyu's activation. */
    public String hiddenAct = "relu2";
    public int maxPositionEmbeddings = 16384;
    /** The image side the processor pads to (informational: patches are what the model reads). */
    public int imageSize = 300;
    public int patchSize = 30;
    public int numChannels = 3;
    public double initializerRange = 0.02;
    public double layerNormEps = 1e-5;
    /** The decoder's rotary base ({@code rope_parameters.rope_theta}, or {@code rope_theta} in older files). */
    public double ropeTheta = 25000.0;
    /** Share of each head's channels that is rotated. */
    public double partialRotaryFactor = 0.5;
    /** LayerNorms on each head's queries and keys. */
    public boolean qkLayernorm = true;
    public double hiddenDropout = 0.0;
    public double attentionDropout = 0.0;
    public Integer padTokenId;
    public int bosTokenId = 1;
    public int eosTokenId = 2;
    /** The placeholder id whose embeddings the image patches replace. */
    public int imageTokenId = 71011;
    /** Must be false: Fuyu's {@code lm_head} is its own matrix. */
    public boolean tieWordEmbeddings = false;

    /** LoRA's default targets: the attention projections (the fused q/k/v and the output). */
    public static final List<String> DEFAULT_LORA_TARGETS = List.of("query_key_value", "dense");

    /** Whether only part of the model is trained (adapters, or a {@code trainable} list). */
    public boolean partlyFrozen() {
        return lora.enabled() || !trainable.isEmpty();
    }

    /** Whether a parameter is trained: every one of a fully trained model, else adapters and {@code trainable}. */
    public boolean trains(String param) {
        return !partlyFrozen() || LoraConfig.isAdapter(param)
                || trainable.stream().anyMatch(t -> names(param, t));
    }

    /** Whether {@code name} is whole dotted parts of {@code param} ({@code lm_head} of {@code lm_head.weight}). */
    static boolean names(String param, String name) {
        return ("." + param + ".").contains("." + name + ".");
    }

    /** Channels per attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Rotated channels per head: {@code int(head_dim · partial_rotary_factor)}, as Persimmon's attention. */
    public int rotaryDims() {
        return (int) (headDim() * partialRotaryFactor);
    }

    /** Values in one flattened patch: {@code patch_size² · num_channels}. */
    public int patchValues() {
        return patchSize * patchSize * numChannels;
    }

    /** Applies {@code config_overrides} and checks the result; messages name keys under {@code keyPrefix}. */
    public FuyuConfig validate(String keyPrefix) {
        boolean overrides = configOverrides != null && !configOverrides.isBlank();
        require(!(overrides && nameOrPath != null), keyPrefix + "config_overrides can't be used with " + keyPrefix
                + "name_or_path: the architecture is the checkpoint's config.json (as run_clm refuses "
                + "--config_overrides with --model_name_or_path); drop one of them");
        if (overrides) {
            applyOverrides(configOverrides, keyPrefix);
        }
        require(lora != null, keyPrefix + "lora must be a section (r, alpha, dropout, target_modules)");
        lora.withDefaultTargets(DEFAULT_LORA_TARGETS).validate(keyPrefix + "lora.");
        require(trainable != null, keyPrefix + "trainable must be a list of parameter names");
        require(hiddenAct.equals("relu2"), keyPrefix + "hidden_act must be relu2 (Fuyu's squared ReLU), not "
                + hiddenAct);
        require(!tieWordEmbeddings, keyPrefix + "tie_word_embeddings must be false: Fuyu's lm_head is not tied");
        for (Object[] p : new Object[][] {{"vocab_size", vocabSize}, {"hidden_size", hiddenSize},
                {"intermediate_size", intermediateSize}, {"num_hidden_layers", numHiddenLayers},
                {"num_attention_heads", numAttentionHeads}, {"patch_size", patchSize}, {"num_channels", numChannels},
                {"max_position_embeddings", maxPositionEmbeddings}}) {
            require((int) p[1] > 0, keyPrefix + p[0] + " must be positive, not " + p[1]);
        }
        require(hiddenSize % numAttentionHeads == 0, String.format(Locale.ROOT,
                "%shidden_size (%d) must be divisible by num_attention_heads (%d)", keyPrefix, hiddenSize,
                numAttentionHeads));
        require(partialRotaryFactor >= 0 && partialRotaryFactor <= 1 && rotaryDims() % 2 == 0,
                String.format(Locale.ROOT, "%spartial_rotary_factor (%s) must rotate an even number of each head's %d "
                        + "channels", keyPrefix, partialRotaryFactor, headDim()));
        require(imageTokenId >= 0 && imageTokenId < vocabSize, String.format(Locale.ROOT,
                "%simage_token_id (%d) must be a token id below vocab_size (%d)", keyPrefix, imageTokenId, vocabSize));
        require(hiddenDropout >= 0 && hiddenDropout < 1 && attentionDropout >= 0 && attentionDropout < 1,
                keyPrefix + "hidden_dropout and attention_dropout must be in [0, 1)");
        return this;
    }

    /**
     * run_clm's {@code config.update_from_string}: each {@code key=value} sets a setting of this configuration,
     * parsed as that setting's type; an unknown key or an unparsable value is an error naming it.
     */
    private void applyOverrides(String overrides, String keyPrefix) {
        for (String pair : overrides.split(",")) {
            String[] kv = pair.split("=", 2);
            String key = kv[0].strip();
            if (kv.length != 2 || key.isEmpty()) {
                throw new IllegalArgumentException(keyPrefix + "config_overrides: '" + pair.strip()
                        + "' is not key=value");
            }
            Field f = field(key);
            if (f == null) {
                throw new IllegalArgumentException(keyPrefix + "config_overrides: key " + key + " isn't in the "
                        + "configuration (" + String.join(", ", settingNames()) + ")");
            }
            String value = kv[1].strip();
            try {
                f.set(this, parse(f.getType(), value));
            } catch (IllegalArgumentException | IllegalAccessException e) {
                throw new IllegalArgumentException(keyPrefix + "config_overrides: " + key + "=" + value + " is not a "
                        + f.getType().getSimpleName().toLowerCase(Locale.ROOT), e);
            }
        }
    }

    private static Object parse(Class<?> type, String v) {
        if (type == int.class || type == Integer.class) {
            return v.equalsIgnoreCase("none") && type == Integer.class ? null : Integer.parseInt(v);
        }
        if (type == double.class) {
            return Double.parseDouble(v);
        }
        if (type == boolean.class) {
            if (v.equalsIgnoreCase("true") || v.equals("1")) {
                return true;
            }
            if (v.equalsIgnoreCase("false") || v.equals("0")) {
                return false;
            }
            throw new IllegalArgumentException(v);
        }
        return v;
    }

    private static Field field(String snake) {
        return settings().get(snake);
    }

    /** The settings {@code config_overrides} may set, by their upstream names. */
    static List<String> settingNames() {
        return new ArrayList<>(settings().keySet());
    }

    /**
     * Takes every upstream setting from {@code other} (a checkpoint's {@code config.json}), keeping this
     * configuration's job keys.
     */
    public void takeSettings(FuyuConfig other) {
        try {
            for (Field f : settings().values()) {
                f.set(this, f.get(other));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every public setting of this class but the job's keys, by upstream name, in field order. */
    private static java.util.Map<String, Field> settings() {
        java.util.Map<String, Field> out = new java.util.LinkedHashMap<>();
        for (Field f : FuyuConfig.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && !JOB_KEYS.contains(snake(f.getName()))) {
                out.put(snake(f.getName()), f);
            }
        }
        return out;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * A {@code config.json} as Hugging Face writes it, for a {@code FuyuForCausalLM}: {@code text_config} (when
     * present) governs the decoder, the top level the patch embedding and the special ids; rotary settings are read
     * from {@code rope_parameters} (current files) or the top-level {@code rope_theta} / {@code partial_rotary_factor}
     * of older ones such as {@code adept/fuyu-8b}'s; unknown keys are ignored.
     */
    public static FuyuConfig fromHuggingFace(JsonNode root) {
        if (root.hasNonNull("model_type") && !root.get("model_type").asText().equals("fuyu")) {
            throw new IllegalArgumentException("model_type is " + root.get("model_type").asText() + ", not fuyu");
        }
        JsonNode text = root.hasNonNull("text_config") ? root.get("text_config") : root;
        FuyuConfig c = new FuyuConfig();
        c.vocabSize = intOf(text, "vocab_size", c.vocabSize);
        c.hiddenSize = intOf(text, "hidden_size", c.hiddenSize);
        c.intermediateSize = intOf(text, "intermediate_size", c.intermediateSize);
        c.numHiddenLayers = intOf(text, "num_hidden_layers", c.numHiddenLayers);
        c.numAttentionHeads = intOf(text, "num_attention_heads", c.numAttentionHeads);
        c.hiddenAct = text.path("hidden_act").asText(c.hiddenAct);
        c.maxPositionEmbeddings = intOf(text, "max_position_embeddings", c.maxPositionEmbeddings);
        c.initializerRange = text.path("initializer_range").asDouble(c.initializerRange);
        c.layerNormEps = text.path("layer_norm_eps").asDouble(c.layerNormEps);
        c.qkLayernorm = text.path("qk_layernorm").asBoolean(c.qkLayernorm);
        c.hiddenDropout = text.path("hidden_dropout").asDouble(c.hiddenDropout);
        c.attentionDropout = text.path("attention_dropout").asDouble(c.attentionDropout);
        JsonNode rope = text.path("rope_parameters");
        String ropeType = rope.path("rope_type").asText("default");
        if (!ropeType.equals("default") || text.hasNonNull("rope_scaling")) {
            throw new IllegalArgumentException("rope type " + (text.hasNonNull("rope_scaling")
                    ? text.get("rope_scaling").toString() : ropeType) + " is not supported (only the default rope)");
        }
        c.ropeTheta = rope.path("rope_theta").asDouble(text.path("rope_theta").asDouble(c.ropeTheta));
        c.partialRotaryFactor = rope.path("partial_rotary_factor").asDouble(
                text.path("partial_rotary_factor").asDouble(root.path("partial_rotary_factor")
                        .asDouble(c.partialRotaryFactor)));
        int visionHidden = intOf(root, "hidden_size", c.hiddenSize);
        if (visionHidden != c.hiddenSize) {
            throw new IllegalArgumentException("hidden_size (" + visionHidden + ") differs from text_config.hidden_size ("
                    + c.hiddenSize + "): the patch embeddings would not fit the decoder");
        }
        c.imageSize = intOf(root, "image_size", c.imageSize);
        c.patchSize = intOf(root, "patch_size", c.patchSize);
        c.numChannels = intOf(root, "num_channels", c.numChannels);
        c.imageTokenId = intOf(root, "image_token_id", c.imageTokenId);
        c.bosTokenId = intOf(root, "bos_token_id", c.bosTokenId);
        c.eosTokenId = intOf(root, "eos_token_id", c.eosTokenId);
        c.padTokenId = root.hasNonNull("pad_token_id") ? root.get("pad_token_id").asInt() : null;
        c.tieWordEmbeddings = root.path("tie_word_embeddings").asBoolean(c.tieWordEmbeddings);
        return c;
    }

    /**
     * This configuration as Hugging Face writes a {@code FuyuForCausalLM}'s {@code config.json} (transformers 5: the
     * decoder in {@code text_config}, rotary settings in {@code rope_parameters}), which {@link #fromHuggingFace}
     * reads back to the same settings.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toHuggingFace() {
        var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        var text = json.objectNode();
        text.put("model_type", "persimmon");
        text.put("vocab_size", vocabSize).put("hidden_size", hiddenSize).put("intermediate_size", intermediateSize)
                .put("num_hidden_layers", numHiddenLayers).put("num_attention_heads", numAttentionHeads)
                .put("hidden_act", hiddenAct).put("max_position_embeddings", maxPositionEmbeddings)
                .put("initializer_range", initializerRange).put("layer_norm_eps", layerNormEps)
                .put("qk_layernorm", qkLayernorm).put("hidden_dropout", hiddenDropout)
                .put("attention_dropout", attentionDropout).put("bos_token_id", bosTokenId)
                .put("eos_token_id", eosTokenId);
        text.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", ropeTheta)
                .put("partial_rotary_factor", partialRotaryFactor);
        var root = json.objectNode();
        root.putArray("architectures").add("FuyuForCausalLM");
        root.put("model_type", "fuyu");
        root.put("vocab_size", vocabSize).put("hidden_size", hiddenSize).put("image_size", imageSize)
                .put("patch_size", patchSize).put("num_channels", numChannels).put("image_token_id", imageTokenId)
                .put("bos_token_id", bosTokenId).put("eos_token_id", eosTokenId)
                .put("tie_word_embeddings", tieWordEmbeddings);
        if (padTokenId != null) {
            root.put("pad_token_id", padTokenId);
            text.put("pad_token_id", padTokenId);
        }
        root.set("text_config", text);
        return root;
    }

    private static int intOf(JsonNode n, String key, int fallback) {
        return n.hasNonNull(key) ? n.get(key).asInt() : fallback;
    }
}
