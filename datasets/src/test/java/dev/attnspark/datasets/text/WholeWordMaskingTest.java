package dev.attnspark.datasets.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.attnspark.datasets.text.WholeWordMasking.IGNORE_LABEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Masking statistics over many chunks, whole words only, the 80/10/10 rule, and reproducible dynamic/static masks. */
class WholeWordMaskingTest {
    static final String[] WORDS = {"the", "a", "movie", "film", "was", "great", "terrible", "I", "loved", "it.",
            "acting,", "plot", "<br", "/><br", "/>", "café", "naïve", "日本", "😀", "10/10", "don't", "(really)"};

    /** Review-like texts: words with one or more spaces or newlines between them, some leading or trailing. */
    static List<String> texts(int n, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder(r.nextInt(10) == 0 ? " " : "");
            int words = 20 + r.nextInt(200);
            for (int w = 0; w < words; w++) {
                b.append(WORDS[r.nextInt(WORDS.length)]);
                int sep = r.nextInt(20);
                b.append(sep == 0 ? "  " : sep == 1 ? "\n" : sep == 2 ? " \t " : " ");
            }
            out.add(b.toString());
        }
        return out;
    }

    static List<TokenChunk> chunks(int texts, int maxSeqLen) {
        return MlmChunks.chunkBatch(texts(texts, 42), maxSeqLen, true, 0);
    }

    /** The token positions of each word as the collator groups them (runs of equal word ids, specials skipped). */
    static List<int[]> words(int[] wordIds) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        while (i < wordIds.length) {
            if (wordIds[i] < 0) {
                i++;
                continue;
            }
            List<Integer> pos = new ArrayList<>();
            int w = wordIds[i];
            while (i < wordIds.length && (wordIds[i] == w || wordIds[i] < 0)) {
                if (wordIds[i] >= 0) {
                    pos.add(i);
                }
                i++;
            }
            out.add(pos.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    @Test
    void masksAboutFifteenPercentOfWholeWordsEightyTenTen() {
        WholeWordMasking masking = new WholeWordMasking(0.15, 7);
        long words = 0, selected = 0, masked = 0, random = 0, kept = 0, tokens = 0, labelled = 0;
        int maxRandomId = -1;
        for (TokenChunk c : chunks(600, 512)) {
            MaskedExample m = masking.mask(c, 0);
            int[] in = m.inputIds();
            int[] labels = m.labels();
            for (int i = 0; i < in.length; i++) {
                tokens++;
                if (PerceiverTokenizer.isSpecial(c.ids()[i])) {
                    assertThat(labels[i]).as("specials are never masked").isEqualTo(IGNORE_LABEL);
                    assertThat(in[i]).isEqualTo(c.ids()[i]);
                }
                if (labels[i] == IGNORE_LABEL) {
                    assertThat(in[i]).as("unselected tokens are kept").isEqualTo(c.ids()[i]);
                } else {
                    labelled++;
                    assertThat(labels[i]).as("labels are the original ids").isEqualTo(c.ids()[i]);
                }
            }
            for (int[] word : words(c.wordIds())) {
                words++;
                long withLabel = Arrays.stream(word).filter(p -> labels[p] != IGNORE_LABEL).count();
                assertThat(withLabel).as("whole words only").isIn(0L, (long) word.length);
                if (withLabel == 0) {
                    continue;
                }
                selected++;
                boolean allMask = Arrays.stream(word).allMatch(p -> in[p] == PerceiverTokenizer.MASK);
                boolean allKept = Arrays.stream(word).allMatch(p -> in[p] == c.ids()[p]);
                if (allMask) {
                    masked++;
                } else if (allKept) {
                    kept++;
                } else {
                    random++;
                    for (int p : word) {
                        assertThat(in[p]).isBetween(0, PerceiverTokenizer.VOCAB_SIZE - 1);
                        maxRandomId = Math.max(maxRandomId, in[p]);
                    }
                }
            }
        }
        assertThat(words).isGreaterThan(50_000);
        assertThat((double) selected / words).isCloseTo(0.15, within(0.01));
        assertThat((double) masked / selected).isCloseTo(0.8, within(0.02));
        assertThat((double) random / selected).isCloseTo(0.1, within(0.015));
        assertThat((double) kept / selected).isCloseTo(0.1, within(0.015));
        // random replacements come from all 262 ids (upstream's randint(vocab_size)), not only the 256 byte ids
        assertThat(maxRandomId).isGreaterThanOrEqualTo(256);
        assertThat((double) labelled / tokens).isBetween(0.10, 0.20);
    }

    @Test
    void dynamicMasksDifferPerEpochAndRepeatForTheSameSeed() {
        List<TokenChunk> chunks = chunks(40, 256);
        WholeWordMasking a = new WholeWordMasking(0.15, 1);
        WholeWordMasking again = new WholeWordMasking(0.15, 1);
        WholeWordMasking otherSeed = new WholeWordMasking(0.15, 2);
        int differentEpochs = 0, differentSeeds = 0, differentChunks = 0;
        for (TokenChunk c : chunks) {
            MaskedExample e0 = a.mask(c, 0);
            assertThat(again.mask(c, 0).labels()).isEqualTo(e0.labels());
            assertThat(again.mask(c, 0).inputIds()).isEqualTo(e0.inputIds());
            differentEpochs += Arrays.equals(a.mask(c, 1).labels(), e0.labels()) ? 0 : 1;
            differentSeeds += Arrays.equals(otherSeed.mask(c, 0).labels(), e0.labels()) ? 0 : 1;
            TokenChunk sameTokensOtherIndex = new TokenChunk(c.index() + 1000, c.ids(), c.wordIds());
            differentChunks += Arrays.equals(a.mask(sameTokensOtherIndex, 0).labels(), e0.labels()) ? 0 : 1;
        }
        assertThat(chunks).hasSizeGreaterThan(30);
        assertThat(differentEpochs).isEqualTo(chunks.size());
        assertThat(differentSeeds).isEqualTo(chunks.size());
        assertThat(differentChunks).isEqualTo(chunks.size());
    }

    @Test
    void wordsEndOnlyWhereTheWordIdChanges() {
        // upstream keeps the current word across specials: equal ids on both sides of [SEP][CLS] are one word
        WholeWordMasking all = new WholeWordMasking(1.0, 3);
        int[] ids = {10, 11, PerceiverTokenizer.SEP, PerceiverTokenizer.CLS, 12, 13};
        int[] wordIds = {1, 1, -1, -1, 1, 2};
        int[][] out = all.mask(ids, wordIds, 0, 0);
        assertThat(out[1]).containsExactly(10, 11, IGNORE_LABEL, IGNORE_LABEL, 12, 13);
        assertThat(out[0][2]).isEqualTo(PerceiverTokenizer.SEP);
        assertThat(new WholeWordMasking(0.0, 3).mask(ids, wordIds, 0, 0)[1]).containsOnly(IGNORE_LABEL);
    }
}
