package dev.attnspark.job.model;

import java.util.Arrays;

/**
 * One trainable parameter: its upstream name (the PyTorch {@code state_dict} key), its shape in PyTorch layout and
 * how it is initialized.
 */
public record ParamSpec(String name, long[] shape, Init init) {

    /** Parameter initialization as perceiver-io's {@code init_parameters} and PyTorch's defaults do it. */
    public sealed interface Init {
        /** Normal(0, std): Linear and Embedding weights, trainable queries. */
        record Normal(double std) implements Init {}

        /** Zeros: Linear biases, LayerNorm bias. */
        record Zeros() implements Init {}

        /** Ones: LayerNorm weight. */
        record Ones() implements Init {}

        /** Uniform(-bound, bound): LoRA's A matrices ({@code kaiming_uniform_(a=sqrt(5))}, bound 1/sqrt(fan_in)). */
        record Uniform(double bound) implements Init {}
    }

    public long length() {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
