package dev.attnspark.datasets.text;

import java.util.Set;

/**
 * The tokenizers a configuration can name ({@code data.tokenizer}): perceiver-io's UTF-8 bytes tokenizer under the
 * names of the checkpoints that use it.
 */
public final class Tokenizers {
    /** perceiver-io's UTF-8 bytes tokenizer, by the names of the upstream checkpoints that use it. */
    public static final Set<String> BYTES = Set.of("deepmind/language-perceiver", "krasserm/perceiver-io-mlm",
            "krasserm/perceiver-ar-clm-base", "bytes");

    private Tokenizers() {}

    /** Checks that {@code name} can be loaded, without loading it; the error says what would be. */
    public static void check(String name) {
        if (name == null || !BYTES.contains(name)) {
            throw new IllegalArgumentException("data.tokenizer '" + name + "' is not available; this job has "
                    + "perceiver-io's UTF-8 bytes tokenizer, named " + String.join(", ", BYTES.stream().sorted()
                    .toList()));
        }
    }

    public static TextTokenizer load(String name) {
        check(name);
        return TextTokenizer.bytes(name);
    }
}
