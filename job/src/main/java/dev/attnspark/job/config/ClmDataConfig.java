package dev.attnspark.job.config;

import dev.attnspark.datasets.text.Corpus;
import dev.attnspark.datasets.text.TextTokenizer;
import dev.attnspark.datasets.text.Tokenizers;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code data} section of causal language modelling, as perceiver-io's {@code TextDataModule} with
 * {@code task=clm} ({@code WikiTextDataModule}) and {@code C4DataModule} name their arguments: a corpus
 * ({@code wikitext}, {@code c4} or plain {@code text}), its tokenizer, and how texts become sequences.
 */
public class ClmDataConfig extends DataConfig {
    /** perceiver-io's UTF-8 bytes tokenizer, or a Hugging Face / SentencePiece tokenizer (see {@link Tokenizers}). */
    public String tokenizer = "deepmind/language-perceiver";
    /** Whether texts are tokenized with the tokenizer's special tokens (false for CLM, as upstream). */
    public boolean addSpecialTokens = false;
    /** Whether every text ends with the tokenizer's EOS token (C4: documents are separated so). */
    public Boolean addEosToken;
    /** Tokens per input; chunks are one longer (inputs and their next tokens). */
    public int maxSeqLen = 4096;
    /** Shortest random training length (C4's random truncation); null: every training sequence is full length. */
    public Integer minSeqLen;
    /** Padding goes on the left: Perceiver AR's latents are the last positions. */
    public String paddingSide = "left";
    /** Training example i is chunk i joined with chunk i + 1 at a random offset, new every epoch. */
    public boolean randomTrainShift = false;
    /** The same for validation, with one fixed offset per example. */
    public boolean randomValidShift = false;
    /** Texts concatenated together before they are cut into chunks. */
    public int preprocBatchSize = 1000;
    /** Examples per validation batch (null: {@code batch_size}). */
    public Integer validBatchSize;
    /**
     * Executors read their own shards in a seeded order through a bounded shuffle buffer, instead of the driver
     * planning every epoch (null: true for c4).
     */
    public Boolean streaming;
    /** Streaming: documents in each stream's shuffle buffer (upstream's {@code shuffle_window_size}). */
    public int shuffleWindowSize = 10000;
    /** Streaming: documents joined (with EOS) before they are cut (upstream's {@code concat_batch_size}). */
    public int concatBatchSize = 16;

    public ClmDataConfig() {
        dataset = "wikitext";
    }

    @Override
    public void validate() {
        super.validate();
        if (!Corpus.datasets().contains(dataset)) {
            throw new ConfigException("data.dataset must be one of " + String.join(", ", Corpus.datasets())
                    + " for causal language modelling, got " + dataset);
        }
        if (!"left".equals(paddingSide)) {
            throw new ConfigException("data.padding_side must be left: causal language modelling with Perceiver AR "
                    + "predicts at the last positions (got " + paddingSide + ")");
        }
        if (maxSeqLen < 2) {
            throw new ConfigException("data.max_seq_len must be >= 2, got " + maxSeqLen);
        }
        if (minSeqLen != null && (minSeqLen < 1 || minSeqLen > maxSeqLen)) {
            throw new ConfigException("data.min_seq_len must be in [1, data.max_seq_len], got " + minSeqLen);
        }
        if (preprocBatchSize < 1) {
            throw new ConfigException("data.preproc_batch_size must be >= 1, got " + preprocBatchSize);
        }
        if (validBatchSize != null && validBatchSize < 1) {
            throw new ConfigException("data.valid_batch_size must be >= 1, got " + validBatchSize);
        }
        if (shuffleWindowSize < 1 || concatBatchSize < 1) {
            throw new ConfigException("data.shuffle_window_size and data.concat_batch_size must be >= 1");
        }
        if (minSeqLen != null && !streaming()) {
            throw new ConfigException("data.min_seq_len (random training lengths, as upstream's C4DataModule) needs "
                    + "data.streaming=true");
        }
        if (streaming() && randomTrainShift) {
            throw new ConfigException("data.random_train_shift needs the planned corpus (data.streaming=false); "
                    + "streams shuffle documents instead");
        }
        if (tokenizer == null || tokenizer.isBlank()) {
            throw new ConfigException("data.tokenizer is not set (deepmind/language-perceiver for UTF-8 bytes, or a "
                    + "tokenizer.json / SentencePiece .model)");
        }
    }

    /** C4 separates its documents by EOS unless told otherwise. */
    public boolean addEos() {
        return addEosToken != null ? addEosToken : dataset.equals("c4");
    }

    /** Streaming is the default for C4. */
    public boolean streaming() {
        return streaming != null ? streaming : dataset.equals("c4");
    }

    @Override
    public int validationBatchSize() {
        return validBatchSize != null ? validBatchSize : batchSize;
    }

    /** Whether the tokenizer is perceiver-io's UTF-8 bytes tokenizer (one token per byte). */
    public boolean bytesTokenizer() {
        return Tokenizers.BYTES.contains(tokenizer);
    }

    /** The tokenizer, loaded from where {@code data.tokenizer} says (see {@link Tokenizers}). */
    public TextTokenizer textTokenizer(org.apache.hadoop.conf.Configuration conf) {
        return loadTokenizer(tokenizer, conf);
    }

    /** The keys that shape a prepared dataset's sequences. */
    public Map<String, Object> tokenSettings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("dataset", dataset);
        s.put("tokenizer", tokenizer);
        s.put("add_special_tokens", addSpecialTokens);
        s.put("add_eos_token", addEos());
        s.put("max_seq_len", maxSeqLen);
        s.put("preproc_batch_size", preprocBatchSize);
        return s;
    }
}
