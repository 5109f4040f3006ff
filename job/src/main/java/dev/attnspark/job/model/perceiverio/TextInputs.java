package dev.attnspark.job.model.perceiverio;

import dev.attnspark.job.model.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/** The batch arrays of perceiver-io's text models, as its data modules name them. */
public final class TextInputs {
    /** Token ids [B, L]. */
    public static final String INPUT_IDS = "input_ids";
    /** [B, L], true (1) at padding positions, which no attention attends to. */
    public static final String PAD_MASK = "pad_mask";
    public static final List<String> NAMES = List.of(INPUT_IDS, PAD_MASK);

    private TextInputs() {}

    /** The pad mask of a batch, checked against its ids. */
    static INDArray padMask(Batch batch) {
        INDArray ids = batch.get(INPUT_IDS), pad = batch.get(PAD_MASK);
        if (!java.util.Arrays.equals(ids.shape(), pad.shape())) {
            throw new IllegalArgumentException(PAD_MASK + " " + java.util.Arrays.toString(pad.shape()) + " must have "
                    + "the shape of " + INPUT_IDS + " " + java.util.Arrays.toString(ids.shape()));
        }
        return pad.dataType() == DataType.BOOL ? pad.castTo(DataType.FLOAT) : pad;
    }
}
