package dev.attnspark.job.model.fuyu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.model.ParamStore;
import org.junit.jupiter.api.Test;

import java.io.File;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FuyuConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Defaults are adept/fuyu-8b's, 9.41B parameters as the Hub lists them: embeddings and lm_head 2 x 262144 x 4096,
     * patch embedding 2700 x 4096 + 4096, 36 layers of 201,380,096 (qkv 50,343,936, dense 16,781,312, q/k norms
     * 256, MLP 134,238,208, norms 16,384), final norm 8192.
     */
    @Test
    void defaultsBuildFuyu8b() {
        FuyuConfig c = new FuyuConfig().validate("model.");
        assertThat(ParamStore.size(new FuyuForCausalLM(c).parameters()))
                .isEqualTo(2L * 262144 * 4096 + 2700 * 4096 + 4096 + 36L * 201_380_096 + 8192)
                .isEqualTo(9_408_238_592L);
    }

    @Test
    void overridesSetUpstreamKeysWithTheirTypes() {
        FuyuConfig c = new FuyuConfig();
        c.configOverrides = "hidden_size=64, num_hidden_layers=2,num_attention_heads=4,intermediate_size=256,"
                + "vocab_size=1024,image_token_id=1000,qk_layernorm=false,rope_theta=10000,pad_token_id=0";
        c.validate("model.");
        assertThat(c.hiddenSize).isEqualTo(64);
        assertThat(c.numHiddenLayers).isEqualTo(2);
        assertThat(c.qkLayernorm).isFalse();
        assertThat(c.ropeTheta).isEqualTo(10000.0);
        assertThat(c.padTokenId).isZero();
        assertThat(c.rotaryDims()).isEqualTo(8);
    }

    @Test
    void overrideErrorsNameTheKey() {
        assertThatThrownBy(() -> overridden("hidden_sise=64")).hasMessageContaining(
                "model.config_overrides: key hidden_sise isn't in the configuration").hasMessageContaining("hidden_size");
        assertThatThrownBy(() -> overridden("hidden_size=big")).hasMessageContaining("hidden_size=big is not a int");
        assertThatThrownBy(() -> overridden("hidden_size")).hasMessageContaining("'hidden_size' is not key=value");
        assertThatThrownBy(() -> overridden("hidden_size=100")).hasMessageContaining(
                "hidden_size (100) must be divisible by num_attention_heads (64)");
        assertThatThrownBy(() -> overridden("hidden_act=gelu")).hasMessageContaining("hidden_act must be relu2");
    }

    private static void overridden(String overrides) {
        FuyuConfig c = new FuyuConfig();
        c.configOverrides = overrides;
        c.validate("model.");
    }

    /** transformers 5's file: text_config governs the decoder, whatever the top level says. */
    @Test
    void textConfigGovernsTheDecoder() throws Exception {
        FuyuConfig c = FuyuConfig.fromHuggingFace(JSON.readTree(new File(
                "src/test/resources/fixtures/fuyu-tiny/config.json")));
        assertThat(c.ropeTheta).isEqualTo(10000.0);
        assertThat(c.hiddenSize).isEqualTo(64);
        assertThat(c.imageTokenId).isEqualTo(1000);
        assertThat(c.padTokenId).isZero();
    }

    /** adept/fuyu-8b's file on the Hub (transformers 4.35): no text_config, rotary settings at the top level. */
    @Test
    void olderFilesGiveRotarySettingsAtTheTopLevel() throws Exception {
        FuyuConfig c = FuyuConfig.fromHuggingFace(JSON.readTree("""
                {"architectures": ["FuyuForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "relu2",
                 "hidden_dropout": 0.0, "hidden_size": 4096, "image_size": 300, "initializer_range": 0.02,
                 "intermediate_size": 16384, "layer_norm_eps": 1e-05, "max_position_embeddings": 16384,
                 "model_type": "fuyu", "num_attention_heads": 64, "num_channels": 3, "num_hidden_layers": 36,
                 "partial_rotary_factor": 0.5, "patch_size": 30, "qk_layernorm": true, "rope_scaling": null,
                 "rope_theta": 25000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
                 "transformers_version": "4.35.0.dev0", "use_cache": true, "vocab_size": 262144}"""));
        assertThat(c.ropeTheta).isEqualTo(25000.0);
        assertThat(c.partialRotaryFactor).isEqualTo(0.5);
        assertThat(c.numHiddenLayers).isEqualTo(36);
        assertThat(c.imageTokenId).isEqualTo(71011);
    }

    @Test
    void otherModelsAndRopeScalingAreRefused() {
        assertThatThrownBy(() -> FuyuConfig.fromHuggingFace(JSON.readTree("{\"model_type\": \"llama\"}")))
                .hasMessageContaining("model_type is llama, not fuyu");
        assertThatThrownBy(() -> FuyuConfig.fromHuggingFace(JSON.readTree(
                "{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}")))
                .hasMessageContaining("is not supported (only the default rope)");
    }
}
