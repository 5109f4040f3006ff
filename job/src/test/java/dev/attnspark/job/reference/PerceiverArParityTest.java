package dev.attnspark.job.reference;

import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.perceiverar.CausalLanguageModel;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * perceiver-io's Perceiver AR causal language model reproduces upstream's logits, loss and gradients: the shared
 * tiny fixture, left padding reaching into the latents, and model 2's options (no absolute positions, every
 * self-attention layer rotary, output norm, no output bias). The last two were made by upstream's own code
 * ({@code src/test/python/perceiver-ar-fixtures}).
 */
class PerceiverArParityTest {
    static final Path TINY = Path.of("src/test/resources/fixtures/perceiver-ar-clm-tiny");
    static final Path PADDED = Path.of("src/test/resources/fixtures/perceiver-ar-clm-padded");
    static final Path MODEL2_OPTIONS = Path.of("src/test/resources/fixtures/perceiver-ar-clm-model2-options");

    @Test
    void tinyFixtureReproducesUpstream() throws Exception {
        check(TINY, 36);
    }

    @Test
    void leftPaddedBatchReproducesUpstream() throws Exception {
        check(PADDED, 36);
    }

    @Test
    void modelTwoOptionsReproduceUpstream() throws Exception {
        check(MODEL2_OPTIONS, 46);
    }

    private static void check(Path fixture, int parameterTensors) throws Exception {
        ReferenceCheck.Result result = ReferenceCheck.run("perceiver-ar-clm", fixture);
        System.out.println(result.report());
        assertTrue(result.passed(), result::report);
        assertEquals(2 + parameterTensors, result.comparisons().size(), "logits, loss and every parameter's gradient");
    }

    /** perceiver-io's "model 1" of {@code examples/training/clm}, as its configuration file builds it. */
    @Test
    void modelOneConfigurationHas30563078Parameters() {
        assertEquals(30_563_078, parameters("../conf/perceiver-ar-clm-wikitext103.yaml"));
    }

    /** "model 2" of {@code train_fsdp.sh} (the configuration file's model section, xlnet's 32,000 ids). */
    @Test
    void modelTwoConfigurationHas453950720Parameters() {
        assertEquals(453_950_720, parameters("../conf/perceiver-ar-clm-c4-455m.yaml"));
    }

    private static long parameters(String conf) {
        CausalLanguageModelConfig c = (CausalLanguageModelConfig) dev.attnspark.job.config.ConfigLoader.load(conf,
                java.util.List.of(), dev.attnspark.job.task.Tasks.ALL).model();
        return ParamStore.size(new CausalLanguageModel(c).parameters());
    }
}
