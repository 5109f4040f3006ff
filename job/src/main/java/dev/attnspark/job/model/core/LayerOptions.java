package dev.attnspark.job.model.core;

/**
 * The switches perceiver-io's attention layers take besides their sizes: which projections have biases, and whether
 * attention is causal. Perceiver IO uses biases everywhere and no causal mask; Perceiver AR drops the q/k/v and MLP
 * biases, keeps the output-projection bias only in its cross-attention, and is causal.
 *
 * @param qkvBias whether the query, key and value projections have a bias
 * @param outBias whether the attention's output projection has a bias
 * @param mlpBias whether the MLP's linear layers have biases
 * @param causal  whether queries see only keys up to their own (right-aligned) position
 */
public record LayerOptions(boolean qkvBias, boolean outBias, boolean mlpBias, boolean causal) {
    /** Perceiver IO's layers: all biases, not causal. */
    public static final LayerOptions PERCEIVER_IO = new LayerOptions(true, true, true, false);
}
