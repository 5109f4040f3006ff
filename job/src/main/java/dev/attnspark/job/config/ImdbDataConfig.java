package dev.attnspark.job.config;

import dev.attnspark.datasets.text.MlmOptions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code data} section for IMDb, as perceiver-io's {@code ImdbDataModule} (and {@code TextDataModule}) name their
 * arguments. The masked language model reads {@code mask_prob}, {@code static_masking} and
 * {@code preproc_batch_size}; the classifier ignores them.
 */
public class ImdbDataConfig extends DataConfig {
    /** Tokenizers this job has: perceiver-io's UTF-8 bytes tokenizer, by the names of the checkpoints that use it. */
    public static final Set<String> BYTES_TOKENIZERS = Set.of("krasserm/perceiver-io-mlm",
            "deepmind/language-perceiver", "bytes");

    /** The tokenizer, as upstream names it; every accepted name is the UTF-8 bytes tokenizer (262 ids). */
    public String tokenizer = "krasserm/perceiver-io-mlm";
    /** Whether each review is tokenized as {@code [CLS] text [SEP]}. */
    public boolean addSpecialTokens = false;
    /** Tokens per example: MLM chunk length, or where classification inputs are cut. */
    public int maxSeqLen = 2048;
    /** Probability that a word is masked (MLM). */
    public double maskProb = 0.15;
    /** One mask for every epoch instead of a fresh one per epoch (MLM). */
    public boolean staticMasking = false;
    /** Reviews concatenated together before they are cut into chunks (MLM). */
    public int preprocBatchSize = 1000;

    public ImdbDataConfig() {
        dataset = "imdb";
    }

    @Override
    public void validate() {
        super.validate();
        if (!"imdb".equals(dataset)) {
            throw new ConfigException("data.dataset must be imdb for this task, got " + dataset);
        }
        if (!BYTES_TOKENIZERS.contains(tokenizer)) {
            throw new ConfigException("data.tokenizer '" + tokenizer + "' is not available; this job has perceiver-io's "
                    + "UTF-8 bytes tokenizer, named " + String.join(", ", BYTES_TOKENIZERS.stream().sorted().toList()));
        }
        try {
            mlmOptions(0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /**
     * The keys that shape the tokens of a prepared dataset, by configuration name; the masked language model adds
     * {@code preproc_batch_size}, which shapes its chunks.
     */
    public Map<String, Object> tokenSettings(boolean chunked) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("tokenizer", tokenizer);
        s.put("add_special_tokens", addSpecialTokens);
        s.put("max_seq_len", maxSeqLen);
        if (chunked) {
            s.put("preproc_batch_size", preprocBatchSize);
        }
        return s;
    }

    /** The masked-language-model preprocessing these keys describe, with masks seeded by {@code seed}. */
    public MlmOptions mlmOptions(long seed) {
        return MlmOptions.defaults().withMaxSeqLen(maxSeqLen).withAddSpecialTokens(addSpecialTokens)
                .withMaskProb(maskProb).withStaticMasking(staticMasking).withPreprocBatchSize(preprocBatchSize)
                .withSeed(seed);
    }
}
