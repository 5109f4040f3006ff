package dev.attnspark.datasets.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Classification batches padded to the longest sequence (at most max_seq_len), true in the pad mask at padding. */
class PaddedBatchTest {
    @Test
    void padsToTheLongestInTheBatch() {
        PaddedBatch b = PaddedBatch.of(List.of(new int[] {4, 10, 11, 5}, new int[] {4, 12, 5}, new int[] {4, 5}), 2048);
        assertThat(b.size()).isEqualTo(3);
        assertThat(b.length()).isEqualTo(4);
        assertThat(b.ids()).isDeepEqualTo(new int[][] {{4, 10, 11, 5}, {4, 12, 5, 0}, {4, 5, 0, 0}});
        assertThat(b.padMask()).isDeepEqualTo(new boolean[][] {
                {false, false, false, false}, {false, false, false, true}, {false, false, true, true}});
    }

    @Test
    void atMostMaxSeqLen() {
        PaddedBatch b = PaddedBatch.of(List.of(new int[] {4, 10, 11, 12, 13, 5}, new int[] {4, 5}), 4);
        assertThat(b.ids()).isDeepEqualTo(new int[][] {{4, 10, 11, 12}, {4, 5, 0, 0}});
        assertThat(b.padMask()[0]).containsOnly(false);
        assertThat(b.padMask()[1]).containsExactly(false, false, true, true);
    }

    @Test
    void classificationTextsTruncatedWithTheirSpecials() {
        TokenizedText t = TextClassification.tokenize(new TextExample("a long review", 1, "x", 8), 6, true);
        assertThat(t.label()).isEqualTo(1);
        assertThat(PerceiverTokenizer.decode(t.ids(), false)).isEqualTo("[CLS]a lo[SEP]");
        assertThat(PaddedBatch.pad(List.of(new int[] {7, 8}), 4, WholeWordMasking.IGNORE_LABEL))
                .isDeepEqualTo(new int[][] {{7, 8, -100, -100}});
    }
}
