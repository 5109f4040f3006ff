package dev.attnspark.job.model.core;

import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Turns task input (pixels, token ids) into the encoder's generic input [B, M, C], position-encoded. */
public interface InputAdapter {

    /** Channels C of the adapted input. */
    long numInputChannels();

    /** @param input the task input, one flattened example per row */
    Var forward(Tape t, INDArray input);
}
