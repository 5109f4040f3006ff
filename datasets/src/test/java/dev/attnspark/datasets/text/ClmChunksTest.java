package dev.attnspark.datasets.text;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Causal-LM chunking as perceiver-io's TextDataModule (task=clm), random shifts and their successor pairs. */
class ClmChunksTest {
    static JavaSparkContext sc;
    static final TextTokenizer BYTES = TextTokenizer.bytes("bytes");

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("clm-chunks-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void chunksOfMaxSeqLenPlusOneRemainderDropped() {
        List<String> texts = List.of("abcdefg", "hijkl", "mnop");
        List<TokenSequence> chunks = ClmChunks.chunkBatch(texts, BYTES, false, false, 5, 0);
        int[] all = String.join("", texts).chars().map(c -> c + PerceiverTokenizer.NUM_SPECIAL_TOKENS).toArray();
        assertThat(chunks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(chunks.get(i).ids()).containsExactly(Arrays.copyOfRange(all, 5 * i, 5 * i + 5));
            assertThat(chunks.get(i).index()).isEqualTo(i);
        }
        // shorter than one chunk: kept whole, as upstream's chunk() does
        assertThat(ClmChunks.chunkBatch(List.of("abc"), BYTES, false, false, 5, 0).get(0).length()).isEqualTo(3);
    }

    @Test
    void eosBetweenDocuments() {
        List<TokenSequence> chunks = ClmChunks.chunkBatch(List.of("ab", "cd"), BYTES, false, true, 6, 0);
        assertThat(chunks.get(0).ids()).containsExactly('a' + 6, 'b' + 6, PerceiverTokenizer.EOS, 'c' + 6, 'd' + 6,
                PerceiverTokenizer.EOS);
    }

    @Test
    void shiftJoinsAChunkWithTheNext() {
        assertThat(ClmChunks.shifted(new int[] {1, 2, 3, 4}, new int[] {5, 6, 7, 8}, 1)).containsExactly(2, 3, 4, 5);
        assertThat(ClmChunks.shifted(new int[] {1, 2, 3, 4}, new int[] {5, 6, 7, 8}, 0)).containsExactly(1, 2, 3, 4);
    }

    /** Every chunk but the last is paired with the one after it, across partition boundaries too. */
    @Test
    void successorsAcrossPartitions() {
        List<String> texts = IntStream.range(0, 300).mapToObj(i -> "text number " + i + ". ").toList();
        var chunks = ClmChunks.chunks(sc.parallelize(texts, 3), BYTES, false, false, 17, 40);
        List<TokenSequence> ordered = chunks.collect();
        List<ClmExample> pairs = ClmChunks.withSuccessors(chunks).collect();
        assertThat(chunks.getNumPartitions()).isGreaterThan(1);
        assertThat(pairs).hasSize(ordered.size() - 1);
        for (int i = 0; i < pairs.size(); i++) {
            assertThat(pairs.get(i).index()).isEqualTo(ordered.get(i).index());
            assertThat(pairs.get(i).next()).containsExactly(ordered.get(i + 1).ids());
        }
        // the same chunks whatever the input partitioning
        assertThat(ClmChunks.chunks(sc.parallelize(texts, 7), BYTES, false, false, 17, 40).collect().stream()
                .map(c -> Arrays.toString(c.ids())).collect(Collectors.toList()))
                .isEqualTo(ordered.stream().map(c -> Arrays.toString(c.ids())).collect(Collectors.toList()));
    }
}
