package dev.attnspark.datasets.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.datasets.DatasetException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json}, through DJL's binding of the {@code tokenizers} library: never truncates,
 * never pads.
 */
final class HuggingFaceTokenizer extends FileTokenizer<ai.djl.huggingface.tokenizers.HuggingFaceTokenizer> {
    private static final long serialVersionUID = 1L;

    private HuggingFaceTokenizer(String name, String file, byte[] bytes, int vocabSize, int padId, int eosId) {
        super(name, file, bytes, vocabSize, padId, eosId);
    }

    static HuggingFaceTokenizer of(String name, String file, byte[] bytes) {
        JsonNode json = Tokenizers.json(file, bytes);
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isMissingNode() || vocab.size() == 0) {
            throw new DatasetException(file + ": a tokenizer.json without a model vocabulary");
        }
        int size = vocab.size();
        for (JsonNode a : json.path("added_tokens")) {
            size = Math.max(size, a.path("id").asInt() + 1);
        }
        int pad = Tokenizers.addedToken(json, "<pad>", "[PAD]", "<|pad|>");
        int eos = Tokenizers.addedToken(json, "</s>", "<|endoftext|>", "<eos>", "[SEP]");
        HuggingFaceTokenizer t = new HuggingFaceTokenizer(name, file, bytes, size, pad, eos);
        t.tokenizer(); // fail on the driver, not on executors
        return t;
    }

    private ai.djl.huggingface.tokenizers.HuggingFaceTokenizer tokenizer() {
        return loaded(b -> {
            try {
                return ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(b),
                        Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
            } catch (IOException | RuntimeException e) {
                throw new DatasetException(file + ": not a loadable tokenizer.json (" + e.getMessage() + ")", e);
            }
        });
    }

    /**
     * Added tokens and the model's vocabulary (a map for WordLevel, WordPiece and BPE, a list for Unigram), from one
     * reading of the file however many tokens are asked for.
     */
    @Override
    public int[] tokenIds(String... tokens) {
        JsonNode json = Tokenizers.json(file, bytes);
        JsonNode vocab = json.path("model").path("vocab");
        int[] ids = new int[tokens.length];
        for (int t = 0; t < tokens.length; t++) {
            ids[t] = Tokenizers.addedToken(json, tokens[t]);
            if (ids[t] < 0 && vocab.isObject() && vocab.has(tokens[t])) {
                ids[t] = vocab.get(tokens[t]).asInt();
            }
            for (int i = 0; ids[t] < 0 && vocab.isArray() && i < vocab.size(); i++) {
                if (tokens[t].equals(vocab.get(i).path(0).asText())) {
                    ids[t] = i;
                }
            }
            if (ids[t] < 0) {
                throw new DatasetException(file + ": no token '" + tokens[t] + "' in the vocabulary or the added "
                        + "tokens");
            }
        }
        return ids;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer().encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer().decode(l, true);
    }
}
