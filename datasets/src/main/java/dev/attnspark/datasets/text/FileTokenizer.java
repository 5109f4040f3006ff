package dev.attnspark.datasets.text;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A tokenizer read from a file (Hugging Face's {@code tokenizer.json}, SentencePiece's {@code .model}) through a
 * native library: serializable as the file's bytes, so executors need no copy of the file; each JVM builds the native
 * tokenizer once per file.
 *
 * @param <N> the native tokenizer
 */
abstract class FileTokenizer<N> implements TextTokenizer {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Object> NATIVE = new ConcurrentHashMap<>();
    private final String name;
    protected final String file;
    protected final byte[] bytes;
    private final int vocabSize;
    private final int padId;
    private final int eosId;

    FileTokenizer(String name, String file, byte[] bytes, int vocabSize, int padId, int eosId) {
        this.name = name;
        this.file = file;
        this.bytes = bytes;
        this.vocabSize = vocabSize;
        this.padId = padId;
        this.eosId = eosId;
    }

    /** The native tokenizer of this file, built by {@code build} the first time in this JVM. */
    @SuppressWarnings("unchecked")
    protected final N loaded(Function<byte[], N> build) {
        return (N) NATIVE.computeIfAbsent(getClass().getSimpleName() + ":" + file + "#"
                + java.util.Arrays.hashCode(bytes), k -> build.apply(bytes));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** The padding id (0 when the tokenizer has none: padded positions are masked anyway). */
    @Override
    public int padId() {
        return Math.max(0, padId);
    }

    @Override
    public int eosId() {
        return eosId;
    }
}
