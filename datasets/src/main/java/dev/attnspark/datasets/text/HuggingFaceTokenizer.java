package dev.attnspark.datasets.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.attnspark.datasets.DatasetException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face {@code tokenizer.json}, through DJL's binding of the {@code tokenizers} library: never truncates,
 * never pads. Serializable as the file's bytes; each JVM builds the native tokenizer once per file.
 */
final class HuggingFaceTokenizer implements TextTokenizer {
    private static final long serialVersionUID = 1L;
    private static final Map<String, ai.djl.huggingface.tokenizers.HuggingFaceTokenizer> NATIVE =
            new ConcurrentHashMap<>();
    private final String name;
    private final String file;
    private final byte[] bytes;
    private final int vocabSize;
    private final int padId;
    private final int eosId;

    private HuggingFaceTokenizer(String name, String file, byte[] bytes, int vocabSize, int padId, int eosId) {
        this.name = name;
        this.file = file;
        this.bytes = bytes;
        this.vocabSize = vocabSize;
        this.padId = padId;
        this.eosId = eosId;
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
        return NATIVE.computeIfAbsent(file + "#" + java.util.Arrays.hashCode(bytes), k -> {
            try {
                return ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes),
                        Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
            } catch (IOException | RuntimeException e) {
                throw new DatasetException(file + ": not a loadable tokenizer.json (" + e.getMessage() + ")", e);
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
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

    @Override
    public int padId() {
        return padId >= 0 ? padId : 0;
    }

    @Override
    public int eosId() {
        return eosId;
    }
}
