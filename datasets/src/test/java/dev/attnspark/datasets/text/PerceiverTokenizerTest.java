package dev.attnspark.datasets.text;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.attnspark.datasets.text.PerceiverTokenizer.CLS;
import static dev.attnspark.datasets.text.PerceiverTokenizer.MASK;
import static dev.attnspark.datasets.text.PerceiverTokenizer.SEP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bytes tokenizer against Hugging Face's own test values, Python's UTF-8 replacement and perceiver-io's word ids. */
class PerceiverTokenizerTest {
    private static int[] bytesAsIds(int... bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] + 6;
        }
        return ids;
    }

    @Test
    void vocabulary() {
        assertThat(PerceiverTokenizer.VOCAB_SIZE).isEqualTo(262);
        assertThat(new int[] {PerceiverTokenizer.PAD, PerceiverTokenizer.BOS, PerceiverTokenizer.EOS, MASK, CLS, SEP})
                .containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(PerceiverTokenizer.decode(new int[] {0, 1, 2, 3, 4, 5}, false))
                .isEqualTo("[PAD][BOS][EOS][MASK][CLS][SEP]");
    }

    @Test
    void huggingFaceTestValues() {
        // tests/models/perceiver/test_tokenization_perceiver.py
        int[] ids = PerceiverTokenizer.encode("Unicode €.", true);
        assertThat(ids).containsExactly(4, 91, 116, 111, 105, 117, 106, 107, 38, 232, 136, 178, 52, 5);
        assertThat(PerceiverTokenizer.decode(ids, false)).isEqualTo("[CLS]Unicode €.[SEP]");
        ids = PerceiverTokenizer.encode("e è é ê ë", true);
        assertThat(ids).containsExactly(4, 107, 38, 201, 174, 38, 201, 175, 38, 201, 176, 38, 201, 177, 5);
        assertThat(PerceiverTokenizer.decode(ids, false)).isEqualTo("[CLS]e è é ê ë[SEP]");
        assertThat(PerceiverTokenizer.encode("A long paragraph for summarization.", true)).containsExactly(
                4, 71, 38, 114, 117, 116, 109, 38, 118, 103, 120, 103, 109, 120, 103, 118, 110, 38, 108, 117, 120, 38,
                121, 123, 115, 115, 103, 120, 111, 128, 103, 122, 111, 117, 116, 52, 5);
        assertThat(PerceiverTokenizer.decode(new int[] {178}, false)).isEqualTo("\ufffd");
    }

    @Test
    void roundTrips() {
        for (String text : new String[] {"", "plain ASCII, with punctuation!?", "café naïve é", "日本語のレビュー",
                "emoji 😀👍🏽 and ZWJ 👩‍👩‍👧", "tabs\tand\nnewlines\r\n", "I loved it.<br /><br />10/10 ’quoted’",
                "\u0000\u007f control bytes", "\ufeffBOM kept"}) {
            int[] plain = PerceiverTokenizer.encode(text, false);
            assertThat(plain).containsExactly(bytesAsIds(toInts(text.getBytes(StandardCharsets.UTF_8))));
            assertThat(PerceiverTokenizer.decode(plain, false)).isEqualTo(text);
            int[] special = PerceiverTokenizer.encode(text, true);
            assertThat(special[0]).isEqualTo(CLS);
            assertThat(special[special.length - 1]).isEqualTo(SEP);
            assertThat(special.length).isEqualTo(plain.length + 2);
            assertThat(PerceiverTokenizer.decode(special, true)).isEqualTo(text);
            assertThat(PerceiverTokenizer.decode(special, false)).isEqualTo("[CLS]" + text + "[SEP]");
        }
        assertThat(PerceiverTokenizer.encode("日本", false)).containsExactly(bytesAsIds(0xe6, 0x97, 0xa5, 0xe6, 0x9c, 0xac));
        assertThat(PerceiverTokenizer.encode("😀", false)).containsExactly(bytesAsIds(0xf0, 0x9f, 0x98, 0x80));
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }

    @Test
    void literalSpecialTokensInTextBecomeSpecials() {
        // HF splits the text at its added (special) tokens before taking bytes
        assertThat(PerceiverTokenizer.encode("a [MASK] b[SEP]", false))
                .containsExactly(97 + 6, 32 + 6, MASK, 32 + 6, 98 + 6, SEP);
        assertThat(PerceiverTokenizer.encode("[MASK", false)).containsExactly(bytesAsIds('[', 'M', 'A', 'S', 'K'));
        assertThat(PerceiverTokenizer.encode("[[CLS]]", false)).containsExactly('[' + 6, CLS, ']' + 6);
        assertThat(PerceiverTokenizer.decode(PerceiverTokenizer.encode("x [MASK] y", true), true)).isEqualTo("x  y");
    }

    @Test
    void truncationKeepsTheSpecials() {
        assertThat(PerceiverTokenizer.encode("hello", true, 4)).containsExactly(CLS, 'h' + 6, 'e' + 6, SEP);
        assertThat(PerceiverTokenizer.encode("hello", false, 4)).containsExactly(bytesAsIds('h', 'e', 'l', 'l'));
        assertThat(PerceiverTokenizer.encode("hi", true, 10)).containsExactly(CLS, 'h' + 6, 'i' + 6, SEP);
        assertThat(PerceiverTokenizer.encode("hello", true, 2)).containsExactly(CLS, SEP);
        assertThatThrownBy(() -> PerceiverTokenizer.encode("hello", true, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodingSkipsSpecialsAndJoinsTheBytesAroundThem() {
        int[] ids = {CLS, 0xe6 + 6, MASK, 0x97 + 6, 0xa5 + 6, SEP, PerceiverTokenizer.PAD};
        assertThat(PerceiverTokenizer.decode(ids, true)).isEqualTo("日");
        assertThat(PerceiverTokenizer.decode(ids, false)).isEqualTo("[CLS]\ufffd[MASK]\ufffd\ufffd[SEP][PAD]");
        assertThatThrownBy(() -> PerceiverTokenizer.decode(new int[] {262}, true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("262");
    }

    /** Expected values are Python's {@code bytes.decode("utf-8", errors="replace")}. */
    @Test
    void invalidUtf8IsReplacedAsPythonDoes() {
        assertThat(decode(0xff)).isEqualTo("\ufffd");
        assertThat(decode(0xe6, 0x97)).isEqualTo("\ufffd");                     // truncated 3-byte sequence: one
        assertThat(decode(0xe6, 0x97, 'a')).isEqualTo("\ufffda");
        assertThat(decode(0xe6, 0x97, 0xe6, 0x97, 0xa5)).isEqualTo("\ufffd日");
        assertThat(decode(0xed, 0xa0, 0x80)).isEqualTo("\ufffd\ufffd\ufffd");   // an encoded surrogate: three
        assertThat(decode(0xc0, 0xaf)).isEqualTo("\ufffd\ufffd");               // overlong '/'
        assertThat(decode(0xf0, 0x9f, 0x98)).isEqualTo("\ufffd");               // truncated emoji
        assertThat(decode(0xf4, 0x90, 0x80, 0x80)).isEqualTo("\ufffd\ufffd\ufffd\ufffd"); // above U+10FFFF
        assertThat(decode(0x80, 0xbf, 'x')).isEqualTo("\ufffd\ufffdx");          // lone continuation bytes
        assertThat(decode(0xf8, 0x88, 0x80, 0x80, 0x80)).isEqualTo("\ufffd".repeat(5));
        assertThat(decode(0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff)).isEqualTo("\ufffd".repeat(6)); // ids 256..261
    }

    private static String decode(int... bytes) {
        return PerceiverTokenizer.decode(bytesAsIds(bytes), true);
    }

    @Test
    void huggingFaceCleanUpOnlyOnRequest() {
        int[] ids = PerceiverTokenizer.encode("It is n't bad , is it ? I 'm sure .", true);
        assertThat(PerceiverTokenizer.decode(ids, true)).isEqualTo("It is n't bad , is it ? I 'm sure .");
        assertThat(PerceiverTokenizer.decode(ids, true, true)).isEqualTo("It isn't bad, is it? I'm sure.");
    }

    @Test
    void unpairedSurrogatesCannotBeEncoded() {
        assertThatThrownBy(() -> PerceiverTokenizer.encode("a\ud800b", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("surrogate");
    }

    /** Expected values follow perceiver-io's PerceiverTokenizerUtil.word_ids step by step. */
    @Test
    void wordIdsAsPerceiverIo() {
        // [CLS] ' ' ' ' H i ' ' ' ' y o \t \n [SEP]: leading whitespace joins the first word, the whitespace before a
        // word belongs to it, trailing whitespace is a word of its own, specials are in no word but count
        int[] ids = PerceiverTokenizer.encode("  Hi  yo\t\n", true);
        assertThat(PerceiverTokenizer.wordIds(ids)).containsExactly(-1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, -1);
        assertThat(PerceiverTokenizer.wordIds(PerceiverTokenizer.encode("  Hi  yo\t\n", false)))
                .containsExactly(1, 1, 1, 1, 2, 2, 2, 2, 3, 3);
        assertThat(PerceiverTokenizer.wordIds(PerceiverTokenizer.encode("Hi yo", true)))
                .containsExactly(-1, 1, 1, 2, 2, 2, -1);
        // multi-byte characters are one word; no-break space and other non-ASCII spaces are not boundaries
        assertThat(PerceiverTokenizer.wordIds(PerceiverTokenizer.encode("日本 語", false)))
                .containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(PerceiverTokenizer.wordIds(PerceiverTokenizer.encode("a\u00a0b\u000bc\u000cd", false)))
                .containsExactly(0, 0, 0, 0, 1, 1, 2, 2);
        // a literal special in the text is a special: in no word; it advances the counter but does not end a
        // whitespace run, so the space after it opens no new word
        assertThat(PerceiverTokenizer.wordIds(PerceiverTokenizer.encode("a [MASK] b", false)))
                .containsExactly(0, 1, -1, 2, 2);
        assertThat(PerceiverTokenizer.wordIds(new int[0])).isEmpty();
    }
}
