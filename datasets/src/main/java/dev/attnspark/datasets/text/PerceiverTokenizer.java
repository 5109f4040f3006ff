package dev.attnspark.datasets.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Perceiver IO's UTF-8 bytes tokenizer (Hugging Face {@code PerceiverTokenizer}, the tokenizer of
 * {@code deepmind/language-perceiver} and {@code krasserm/perceiver-io-mlm}): token id = byte + 6 after six specials.
 * Written out here rather than taken from DJL's {@code ai.djl.huggingface:tokenizers}: that wraps the Rust
 * {@code tokenizers} library, which has no such tokenizer (HF's is a slow, Python-only one), and the whole scheme is
 * a few lines.
 * <ul>
 * <li>Specials as HF's {@code tokenization_perceiver.py}: [PAD]=0 [BOS]=1 [EOS]=2 [MASK]=3 [CLS]=4 [SEP]=5;
 *     with special tokens a text is {@code [CLS] bytes [SEP]} ({@code build_inputs_with_special_tokens}).</li>
 * <li>A literal "[MASK]" (any of the six names) inside a text becomes that special's id, as HF's added-token split
 *     does ({@code PreTrainedTokenizer.tokenize}, the specials being no-split tokens, lstrip=rstrip=False).</li>
 * <li>Truncation to a maximum length keeps both specials and cuts the text's bytes ({@code truncation=True},
 *     {@code prepare_for_model} counts the specials it will add).</li>
 * <li>Word ids as perceiver-io's {@code PerceiverTokenizerUtil.word_ids} ({@code perceiver/data/text/utils.py}):
 *     see {@link #wordIds}.</li>
 * <li>Decoding joins the bytes of all tokens, writes specials as their names unless skipped, and replaces invalid
 *     UTF-8 as Python's {@code bytes.decode("utf-8", errors="replace")} ({@code convert_tokens_to_string}): one
 *     U+FFFD per maximal invalid subpart. Java's own decoder differs on encoded surrogates (ED A0..BF), hence
 *     {@link #decodeUtf8}. HF's {@code clean_up_tokenization_spaces} (" ." to ".", the default before
 *     transformers 4.45) only on request: by default decoding is the exact inverse of encoding.</li>
 * </ul>
 */
public final class PerceiverTokenizer {
    public static final int PAD = 0;
    public static final int BOS = 1;
    public static final int EOS = 2;
    public static final int MASK = 3;
    public static final int CLS = 4;
    public static final int SEP = 5;
    public static final int NUM_SPECIAL_TOKENS = 6;
    /** 256 byte tokens after the 6 specials: the embedding size of perceiver-io's language models. */
    public static final int VOCAB_SIZE = 256 + NUM_SPECIAL_TOKENS;
    /** The word id of tokens in no word (specials): perceiver-io's {@code None}. */
    public static final int NO_WORD = -1;

    private static final String[] SPECIAL_NAMES = {"[PAD]", "[BOS]", "[EOS]", "[MASK]", "[CLS]", "[SEP]"};
    /** Python's {@code string.whitespace}, the word boundaries of {@code PerceiverTokenizerUtil}. */
    private static final String WHITESPACE = " \t\n\r\u000b\u000c";

    private PerceiverTokenizer() {}

    /** The token ids of {@code text}, with {@code [CLS]} and {@code [SEP]} around it if {@code addSpecialTokens}. */
    public static int[] encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, Integer.MAX_VALUE);
    }

    /**
     * The token ids of {@code text}, at most {@code maxLength} of them: with special tokens the text's tokens are cut
     * to {@code maxLength - 2} and {@code [CLS]}, {@code [SEP]} kept (HF's {@code truncation=True}).
     *
     * @throws IllegalArgumentException if the text has an unpaired surrogate (not encodable as UTF-8, as in Python)
     */
    public static int[] encode(String text, boolean addSpecialTokens, int maxLength) {
        int budget = addSpecialTokens ? maxLength - 2 : maxLength;
        if (budget < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for [CLS] and [SEP]");
        }
        int[] body = encodeBody(text);
        int n = Math.min(body.length, budget);
        if (!addSpecialTokens) {
            return n == body.length ? body : Arrays.copyOf(body, n);
        }
        int[] out = new int[n + 2];
        out[0] = CLS;
        System.arraycopy(body, 0, out, 1, n);
        out[n + 1] = SEP;
        return out;
    }

    private static int[] encodeBody(String text) {
        int[] out = new int[Math.max(16, text.length() + text.length() / 4)];
        int n = 0;
        int from = 0;
        while (from <= text.length()) {
            int at = text.indexOf('[', from);
            int special = -1;
            while (at >= 0) {
                special = specialAt(text, at);
                if (special >= 0) {
                    break;
                }
                at = text.indexOf('[', at + 1);
            }
            int end = at < 0 ? text.length() : at;
            byte[] bytes = utf8(text, from, end);
            if (n + bytes.length + 1 > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, n + bytes.length + 1));
            }
            for (byte b : bytes) {
                out[n++] = (b & 0xff) + NUM_SPECIAL_TOKENS;
            }
            if (at < 0) {
                break;
            }
            out[n++] = special;
            from = at + SPECIAL_NAMES[special].length();
        }
        return Arrays.copyOf(out, n);
    }

    private static int specialAt(String text, int at) {
        for (int id = 0; id < SPECIAL_NAMES.length; id++) {
            if (text.startsWith(SPECIAL_NAMES[id], at)) {
                return id;
            }
        }
        return -1;
    }

    private static byte[] utf8(String text, int from, int to) {
        if (from == to) {
            return new byte[0];
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            ByteBuffer buf = encoder.encode(CharBuffer.wrap(text, from, to));
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text has an unpaired surrogate and cannot be encoded as UTF-8", e);
        }
    }

    public static boolean isSpecial(int id) {
        return id >= 0 && id < NUM_SPECIAL_TOKENS;
    }

    /**
     * Word ids for whole-word masking, as {@code PerceiverTokenizerUtil.word_ids}: a word is a run of non-whitespace
     * tokens together with the whitespace run before it (so whitespace after the last word is a word of its own);
     * specials get {@link #NO_WORD} and advance the counter. Distinct words get distinct ids within one sequence,
     * not necessarily consecutive ones.
     */
    public static int[] wordIds(int[] ids) {
        int[] out = new int[ids.length];
        int current = 0;
        boolean afterRegular = true;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (isSpecial(id)) {
                out[i] = NO_WORD;
                current++;
            } else if (isWhitespace(id)) {
                if (afterRegular) {
                    afterRegular = false;
                    current++;
                }
                out[i] = current;
            } else {
                afterRegular = true;
                out[i] = current;
            }
        }
        return out;
    }

    private static boolean isWhitespace(int id) {
        int b = id - NUM_SPECIAL_TOKENS;
        return b >= 0 && b < 128 && WHITESPACE.indexOf(b) >= 0;
    }

    /**
     * The text of {@code ids}, as HF's {@code decode(ids, skip_special_tokens, clean_up_tokenization_spaces)}: with
     * {@code cleanUpTokenizationSpaces} the spaces before punctuation and English contractions are removed
     * ({@code PreTrainedTokenizerBase.clean_up_tokenization}).
     */
    public static String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpTokenizationSpaces) {
        String text = decode(ids, skipSpecialTokens);
        if (!cleanUpTokenizationSpaces) {
            return text;
        }
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The text of {@code ids}; specials are written as their names ("[CLS]") unless {@code skipSpecialTokens}. */
    public static String decode(int[] ids, boolean skipSpecialTokens) {
        byte[] bytes = new byte[ids.length * 2];
        int n = 0;
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + VOCAB_SIZE + ")");
            }
            if (isSpecial(id)) {
                if (skipSpecialTokens) {
                    continue;
                }
                String name = SPECIAL_NAMES[id];
                if (n + name.length() > bytes.length) {
                    bytes = Arrays.copyOf(bytes, bytes.length * 2 + name.length());
                }
                for (int k = 0; k < name.length(); k++) {
                    bytes[n++] = (byte) name.charAt(k);
                }
            } else {
                if (n == bytes.length) {
                    bytes = Arrays.copyOf(bytes, bytes.length * 2 + 1);
                }
                bytes[n++] = (byte) (id - NUM_SPECIAL_TOKENS);
            }
        }
        return decodeUtf8(bytes, 0, n);
    }

    /**
     * UTF-8 decoding that replaces each maximal subpart of an ill-formed sequence by one U+FFFD (the Unicode
     * Standard's recommended practice, chapter 3, and what Python's {@code errors="replace"} does).
     */
    static String decodeUtf8(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xff;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xbf;
            int cp;
            if (b0 >= 0xc2 && b0 <= 0xdf) {
                need = 1;
                cp = b0 & 0x1f;
            } else if (b0 >= 0xe0 && b0 <= 0xef) {
                need = 2;
                cp = b0 & 0x0f;
                if (b0 == 0xe0) {
                    lo = 0xa0;
                } else if (b0 == 0xed) {
                    hi = 0x9f;
                }
            } else if (b0 >= 0xf0 && b0 <= 0xf4) {
                need = 3;
                cp = b0 & 0x07;
                if (b0 == 0xf0) {
                    lo = 0x90;
                } else if (b0 == 0xf4) {
                    hi = 0x8f;
                }
            } else {
                out.append('\ufffd');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                // only the first continuation byte has a narrowed range (Table 3-7)
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xbf;
                if (j >= to || (b[j] & 0xff) < min || (b[j] & 0xff) > max) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (b[j] & 0x3f);
            }
            if (ok) {
                out.appendCodePoint(cp);
            } else {
                out.append('\ufffd');
            }
            i = j;
        }
        return out.toString();
    }
}
