package dev.attnspark.datasets.text;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face tokenizer.json and SentencePiece .model tokenizers from local files, on a 1,000-piece unigram
 * vocabulary in xlnet-base-cased's layout made here ({@code src/test/resources/tokenizers/tiny-unigram/make.sh}).
 */
class TokenizersTest {
    static final Path DIR = Path.of("src/test/resources/tokenizers/tiny-unigram");
    static final Configuration CONF = new Configuration();
    static final String TEXT = "The bridge at Fairhaven was built in 1763 under the GNU General Public License.";

    @Test
    void sentencePieceModelAndTokenizerJsonAgree() {
        TextTokenizer sp = Tokenizers.load(DIR.resolve("spiece.model").toString(), CONF);
        TextTokenizer hf = Tokenizers.load(DIR.resolve("tokenizer.json").toString(), CONF);
        assertThat(sp.vocabSize()).isEqualTo(1000);
        assertThat(hf.vocabSize()).isEqualTo(1000);
        int[] ids = sp.encode(TEXT, false);
        assertThat(ids.length).isBetween(10, 40);
        assertThat(hf.encode(TEXT, false)).containsExactly(ids);
        assertThat(sp.decode(ids)).isEqualTo(TEXT);
        assertThat(hf.decode(ids)).isEqualTo(TEXT);
        // xlnet's specials: </s> 2 (EOS between C4 documents), <pad> 5
        assertThat(sp.eosId()).isEqualTo(2);
        assertThat(hf.eosId()).isEqualTo(2);
        assertThat(sp.padId()).isEqualTo(5);
        assertThat(hf.padId()).isEqualTo(5);
    }

    /** No silent truncation (DJL's tokenizers cut at 512 tokens unless told not to). */
    @Test
    void longTextsAreNotTruncated() {
        String longText = (TEXT + " ").repeat(100);
        for (String file : new String[] {"spiece.model", "tokenizer.json"}) {
            TextTokenizer t = Tokenizers.load(DIR.resolve(file).toString(), CONF);
            assertThat(t.encode(longText, false).length).as(file).isGreaterThan(1000);
        }
    }

    /** A folder is read by its preferred file; a Hub name is found in the cache folder. */
    @Test
    void foldersAndCachedNames(@TempDir Path home) throws Exception {
        assertThat(Tokenizers.load(DIR.toString(), CONF)).isInstanceOf(HuggingFaceTokenizer.class);
        Path cached = Files.createDirectories(home.resolve(".cache/attnspark/tokenizers/xlnet-base-cased"));
        Files.copy(DIR.resolve("spiece.model"), cached.resolve("spiece.model"));
        String before = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            TextTokenizer t = Tokenizers.load("xlnet-base-cased", CONF);
            assertThat(t).isInstanceOf(SentencePieceTokenizer.class);
            assertThat(t.name()).isEqualTo("xlnet-base-cased");
            assertThatThrownBy(() -> Tokenizers.load("gpt2", CONF)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("data.tokenizer 'gpt2' not found")
                    .hasMessageContaining(".cache/attnspark/tokenizers/gpt2")
                    .hasMessageContaining("huggingface-cli download gpt2");
        } finally {
            System.setProperty("user.home", before);
        }
    }

    /** Executors get the tokenizer by serialization: it carries the file, not a path they may not have. */
    @Test
    void serializedTokenizersWorkWithoutTheirFile(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("tokenizer.json");
        Files.copy(DIR.resolve("tokenizer.json"), copy);
        TextTokenizer t = Tokenizers.load(copy.toString(), CONF);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(t);
        }
        Files.delete(copy);
        TextTokenizer back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (TextTokenizer) in.readObject();
        }
        assertThat(back.encode(TEXT, false)).containsExactly(t.encode(TEXT, false));
    }

    @Test
    void brokenFilesAreNamed(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"vocab\": ");
        assertThatThrownBy(() -> Tokenizers.load(tmp.resolve("tokenizer.json").toString(), CONF))
                .hasMessageContaining("tokenizer.json: not a tokenizer.json");
        Files.writeString(tmp.resolve("bad.model"), "not a model");
        assertThatThrownBy(() -> Tokenizers.load(tmp.resolve("bad.model").toString(), CONF))
                .hasMessageContaining("bad.model: not a SentencePiece model");
    }
}
