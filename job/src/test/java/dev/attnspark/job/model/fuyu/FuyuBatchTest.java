package dev.attnspark.job.model.fuyu;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.image.FuyuImageProcessor;
import dev.attnspark.datasets.image.FuyuSequence;
import dev.attnspark.datasets.image.RgbImage;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.Tape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Examples laid out as FuyuProcessor lays them out feed the model, and a left-padded batch gives every example the
 * logits it has alone: rotary attention depends only on position differences, and padded keys are masked, so the
 * shift that left padding puts on Hugging Face's positions changes nothing.
 */
class FuyuBatchTest {
    private static final int IMAGE = 1000, NEWLINE = 1001, BOS = 1, BOA = 4, PAD = 0;

    @Test
    void sequenceLayoutIsTheProcessors() {
        FuyuImageProcessor processor = FuyuImageProcessor.of(60, 90);
        FuyuSequence s = FuyuSequence.of(processor.tokens(processor.process(image(70, 40, 1)), IMAGE, NEWLINE), BOS,
                new int[] {7, 8, 9}, BOA);
        // 70 x 40 is 3 x 2 patches: two rows of three placeholders and a newline, then BOS, the text and BOA
        assertThat(s.ids()).containsExactly(IMAGE, IMAGE, IMAGE, NEWLINE, IMAGE, IMAGE, IMAGE, NEWLINE, BOS, 7, 8, 9,
                BOA);
        assertThat(s.labels()).containsExactly(-100, -100, -100, -100, -100, -100, -100, -100, BOS, 7, 8, 9, BOA);
        assertThat(s.patches()).hasNumberOfRows(6);
    }

    @Test
    void leftPaddedBatchGivesEachExampleItsOwnLogits() throws Exception {
        FuyuConfig c = FuyuConfig.fromHuggingFace(new ObjectMapper().readTree(new File(
                "src/test/resources/fixtures/fuyu-tiny/config.json"))).validate("");
        FuyuForCausalLM model = new FuyuForCausalLM(c);
        Nd4j.getRandom().setSeed(5);
        ParamStore store = ParamStore.allocate(model.parameters(), false);
        FuyuImageProcessor processor = FuyuImageProcessor.of(60, 90);
        FuyuSequence wide = FuyuSequence.of(processor.tokens(processor.process(image(90, 60, 2)), IMAGE, NEWLINE),
                BOS, new int[] {11, 12, 13, 14, 15}, BOA);
        FuyuSequence small = FuyuSequence.of(processor.tokens(processor.process(image(30, 30, 3)), IMAGE, NEWLINE),
                BOS, new int[] {21, 22}, BOA);
        FuyuSequence.Batch both = FuyuSequence.leftPadded(List.of(wide, small), PAD);
        assertThat(both.length()).isEqualTo(wide.length());
        assertThat(both.maxPatches()).isEqualTo(6);

        INDArray batched = logits(model, store, both);
        for (int e = 0; e < 2; e++) {
            FuyuSequence s = e == 0 ? wide : small;
            INDArray alone = logits(model, store, FuyuSequence.leftPadded(List.of(s), PAD));
            int pad = both.length() - s.length();
            INDArray mine = batched.get(NDArrayIndex.point(e), NDArrayIndex.interval(pad, both.length()),
                    NDArrayIndex.all());
            double err = mine.sub(alone.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all()))
                    .amaxNumber().doubleValue();
            assertThat(err).as("example %d", e).isLessThan(1e-5);
        }
    }

    private static INDArray logits(FuyuForCausalLM model, ParamStore store, FuyuSequence.Batch b) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(FuyuForCausalLM.INPUT_IDS, Nd4j.create(b.ids(), new long[] {b.size(), b.length()}, 'c'));
        arrays.put(FuyuForCausalLM.IMAGE_PATCHES, Nd4j.create(b.patches(), new long[] {b.size(), b.maxPatches(),
                b.patchValues()}, 'c'));
        arrays.put(FuyuForCausalLM.ATTENTION_MASK, Nd4j.create(b.attentionMask(), new long[] {b.size(), b.length()},
                'c'));
        arrays.put(Batch.LABELS, Nd4j.create(b.labels(), new long[] {b.size(), b.length()}, 'c'));
        try (Tape tape = Tape.inference(store)) {
            Output out = model.forward(tape, new Batch(arrays));
            assertThat(out.loss().value().getDouble(0)).isFinite();
            return out.logits().value().dup();
        }
    }

    private static RgbImage image(int width, int height, long seed) {
        byte[] px = new byte[3 * width * height];
        new Random(seed).nextBytes(px);
        return new RgbImage(width, height, px);
    }
}
