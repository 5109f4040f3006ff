package dev.attnspark.job.model.core;

import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;

/** Turns the decoder's cross-attention output [B, O, F] into task output (class logits, token logits). */
public interface OutputAdapter {

    Var forward(Tape t, Var x);
}
