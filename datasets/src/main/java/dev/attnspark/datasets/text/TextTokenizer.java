package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * A tokenizer as language modelling uses it: text to ids and back, its vocabulary size and the ids of its padding
 * and end-of-sequence tokens. Implementations are serializable (they travel to executors) and never truncate.
 */
public interface TextTokenizer extends Serializable {

    /** The name configurations use ({@code data.tokenizer}). */
    String name();

    int vocabSize();

    /** The ids of {@code text}, with the tokenizer's special tokens when {@code addSpecialTokens}. */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}, special tokens skipped. */
    String decode(int[] ids);

    /** The padding id. */
    int padId();

    /** The end-of-sequence id, or -1 when the tokenizer has none. */
    int eosId();

    /**
     * The ids of tokens of the vocabulary, by their text (e.g. Fuyu's {@code |SPEAKER|}), in order; an error naming
     * the first the tokenizer does not have.
     */
    default int[] tokenIds(String... tokens) {
        throw new IllegalArgumentException(name() + " has no token lookup, so no token '" + tokens[0] + "'");
    }

    /** perceiver-io's UTF-8 bytes tokenizer ({@link PerceiverTokenizer}, 262 ids). */
    static TextTokenizer bytes(String name) {
        return new BytesTokenizer(name);
    }

    /** The UTF-8 bytes tokenizer under the name a configuration gave it. */
    record BytesTokenizer(String name) implements TextTokenizer {
        @Override
        public int vocabSize() {
            return PerceiverTokenizer.VOCAB_SIZE;
        }

        @Override
        public int[] encode(String text, boolean addSpecialTokens) {
            return PerceiverTokenizer.encode(text, addSpecialTokens);
        }

        @Override
        public String decode(int[] ids) {
            return PerceiverTokenizer.decode(ids, true);
        }

        @Override
        public int padId() {
            return PerceiverTokenizer.PAD;
        }

        @Override
        public int eosId() {
            return PerceiverTokenizer.EOS;
        }
    }
}
