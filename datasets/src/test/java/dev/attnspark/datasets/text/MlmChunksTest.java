package dev.attnspark.datasets.text;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokenize, concatenate and chunk as perceiver-io's TextDataModule, locally and as a Spark transformation. */
class MlmChunksTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("mlm-chunks-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static int[] concat(List<String> texts, boolean specials) {
        return texts.stream().flatMapToInt(t -> Arrays.stream(PerceiverTokenizer.encode(t, specials))).toArray();
    }

    @Test
    void fullChunksAndTheRemainderDropped() {
        List<String> texts = List.of("first review", "  second one\n", "third, with [MASK] in it", "fourth");
        int[] all = concat(texts, true);
        List<TokenChunk> chunks = MlmChunks.chunkBatch(texts, 10, true, 100);
        assertThat(chunks).hasSize(all.length / 10);
        for (int i = 0; i < chunks.size(); i++) {
            TokenChunk c = chunks.get(i);
            assertThat(c.index()).isEqualTo(100 + i);
            assertThat(c.ids()).containsExactly(Arrays.copyOfRange(all, 10 * i, 10 * i + 10));
        }
        // word ids are each text's own, concatenated
        int[] words = texts.stream().flatMapToInt(t -> Arrays.stream(
                PerceiverTokenizer.wordIds(PerceiverTokenizer.encode(t, true)))).toArray();
        assertThat(chunks.get(1).wordIds()).containsExactly(Arrays.copyOfRange(words, 10, 20));
    }

    @Test
    void aBatchShorterThanOneChunkIsOneShortChunk() {
        List<TokenChunk> chunks = MlmChunks.chunkBatch(List.of("short", "texts"), 2048, false, 0);
        assertThat(chunks).hasSize(1);
        assertThat(PerceiverTokenizer.decode(chunks.get(0).ids(), false)).isEqualTo("shorttexts");
        assertThat(MlmChunks.chunkBatch(List.of("", ""), 8, true, 0).get(0).ids())
                .containsExactly(PerceiverTokenizer.CLS, PerceiverTokenizer.SEP, PerceiverTokenizer.CLS, PerceiverTokenizer.SEP);
        assertThat(MlmChunks.chunkBatch(List.of("", ""), 8, false, 0)).isEmpty();
        // exactly one chunk's worth: one full chunk
        assertThat(MlmChunks.chunkBatch(List.of("abcd", "efgh"), 8, false, 0)).hasSize(1);
    }

    @Test
    void textsAreConcatenatedPerBatchOfPreprocBatchSize() {
        List<String> texts = IntStream.range(0, 7).mapToObj(i -> "text number " + i).toList();  // 13 bytes each
        MlmOptions o = MlmOptions.defaults().withMaxSeqLen(10).withPreprocBatchSize(3);
        List<TokenChunk> out = new ArrayList<>();
        MlmChunks.chunks(texts.iterator(), o, 0).forEachRemaining(out::add);
        // batches of 3, 3, 1 texts: 39 tokens -> 3 chunks, 39 -> 3, 13 -> 1 (3 dropped each time)
        assertThat(out).hasSize(7);
        assertThat(out.stream().mapToLong(TokenChunk::index).toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(out.get(3).ids()).containsExactly(Arrays.copyOfRange(concat(texts.subList(3, 6), false), 0, 10));
        assertThat(PerceiverTokenizer.decode(out.get(6).ids(), false)).isEqualTo("text numbe");
    }

    @Test
    void asASparkTransformationOrderPreservingAndDeterministic() {
        List<String> texts = WholeWordMaskingTest.texts(300, 5);
        MlmOptions o = MlmOptions.defaults().withMaxSeqLen(128).withAddSpecialTokens(true).withPreprocBatchSize(50);
        JavaRDD<String> rdd = sc.parallelize(texts, 3);
        List<TokenChunk> chunks = MlmChunks.chunks(rdd, o).collect();
        // batches of 50 consecutive texts of the whole split, as locally, whatever the partitioning
        List<TokenChunk> expected = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            MlmChunks.chunks(texts.subList(b * 50, b * 50 + 50).iterator(), o, (long) b << 32)
                    .forEachRemaining(expected::add);
        }
        List<TokenChunk> otherPartitioning = MlmChunks.chunks(sc.parallelize(texts, 7), o).collect();
        assertThat(otherPartitioning).extracting(TokenChunk::index).isEqualTo(chunks.stream().map(TokenChunk::index)
                .toList());
        assertThat(chunks).hasSameSizeAs(expected);
        for (int i = 0; i < chunks.size(); i++) {
            assertThat(chunks.get(i).index()).isEqualTo(expected.get(i).index());
            assertThat(chunks.get(i).ids()).isEqualTo(expected.get(i).ids());
            assertThat(chunks.get(i).wordIds()).isEqualTo(expected.get(i).wordIds());
            assertThat(chunks.get(i).length()).isEqualTo(128);
        }
        assertThat(chunks.stream().mapToLong(TokenChunk::index).distinct().count()).isEqualTo(chunks.size());

        // dynamic: a fresh mask per epoch, the same again for the same epoch; static: one mask for all epochs
        JavaRDD<TokenChunk> c = MlmChunks.chunks(rdd, o);
        List<MaskedExample> e0 = MlmChunks.masked(c, o, 0).collect();
        List<MaskedExample> e0again = MlmChunks.masked(c, o, 0).collect();
        List<MaskedExample> e1 = MlmChunks.masked(c, o, 1).collect();
        MlmOptions st = o.withStaticMasking(true);
        List<MaskedExample> s0 = MlmChunks.masked(c, st, 0).collect();
        List<MaskedExample> s5 = MlmChunks.masked(c, st, 5).collect();
        int differ = 0;
        for (int i = 0; i < e0.size(); i++) {
            assertThat(e0again.get(i).inputIds()).isEqualTo(e0.get(i).inputIds());
            differ += Arrays.equals(e1.get(i).labels(), e0.get(i).labels()) ? 0 : 1;
            assertThat(s5.get(i).inputIds()).isEqualTo(s0.get(i).inputIds());
            assertThat(s5.get(i).labels()).isEqualTo(s0.get(i).labels());
        }
        // two independent masks of a ~25-word chunk coincide with probability ~(0.85^2 + 0.15^2)^25 = 6e-4
        assertThat(differ).isGreaterThan(e0.size() * 99 / 100);
    }
}
