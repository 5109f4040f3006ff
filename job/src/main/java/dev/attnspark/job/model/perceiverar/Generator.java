package dev.attnspark.job.model.perceiverar;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.autograd.Tape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Text generation from a Perceiver AR model as perceiver-io's {@code PerceiverCausalSequenceModel.generate} does it:
 * the prompt's last {@code num_latents} positions are latents, the rest the prefix; each new token first adds a latent
 * until {@code max_latents}, then grows the prefix until {@code max_seq_len - max_latents}, and past
 * {@code max_seq_len} the window slides (the oldest token leaves). The next token is the arg-max (greedy, the same
 * every time) or is sampled from the last latent's logits after temperature, top-k and top-p filtering, in that order
 * (Hugging Face's logits warpers). Every step runs the whole window forward: there is no key/value cache.
 */
public final class Generator {

    /**
     * @param maxNewTokens tokens to generate
     * @param numLatents   latent positions at the end of the prompt to start with (upstream's {@code num_latents})
     * @param sample       sample instead of taking the arg-max
     * @param temperature  divides the logits (sampling)
     * @param topK         keep the k most likely tokens (0: all)
     * @param topP         keep the most likely tokens whose probabilities sum to at least p (1: all)
     * @param seed         seeds the sampling
     */
    public record Options(int maxNewTokens, int numLatents, boolean sample, double temperature, int topK, double topP,
                          long seed) {
        public Options {
            if (maxNewTokens < 0 || numLatents < 1 || !(temperature > 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("generation needs max_new_tokens >= 0, num_latents >= 1, "
                        + "temperature > 0, top_k >= 0 and top_p in (0, 1]");
            }
        }

        public static Options greedy(int maxNewTokens) {
            return new Options(maxNewTokens, 1, false, 1.0, 0, 1.0, 0);
        }
    }

    private Generator() {}

    /**
     * @param params  the model's parameters
     * @param prompt  token ids, at least one (longer than {@code max_seq_len}: its last {@code max_seq_len})
     * @param onToken receives each new token as it is made
     * @return the new tokens
     */
    public static int[] generate(CausalLanguageModel model, Tape.ParamSource params, int[] prompt, Options o,
                                 IntConsumer onToken) {
        CausalLanguageModelConfig c = model.config();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        int[] seq = prompt.length > c.maxSeqLen ? Arrays.copyOfRange(prompt, prompt.length - c.maxSeqLen,
                prompt.length) : prompt.clone();
        if (o.numLatents() > c.maxLatents) {
            throw new IllegalArgumentException("num_latents (" + o.numLatents() + ") must be <= max_latents ("
                    + c.maxLatents + ")");
        }
        // as upstream, the prompt's prefix is at most max_prefix_len: longer prompts start with more latents
        int latents = Math.max(Math.min(seq.length, o.numLatents()), seq.length - c.maxPrefixLen());
        int prefixLen = seq.length - latents;
        Random rnd = new Random(o.seed());
        int[] out = new int[o.maxNewTokens()];
        for (int n = 0; n < out.length; n++) {
            float[] logits = lastLogits(model, params, seq, prefixLen);
            int next = o.sample() ? sample(logits, o, rnd) : argMax(logits);
            out[n] = next;
            onToken.accept(next);
            int[] grown = Arrays.copyOf(seq, seq.length + 1);
            grown[seq.length] = next;
            if (grown.length - prefixLen > c.maxLatents && prefixLen < c.maxPrefixLen()) {
                prefixLen++;
            }
            seq = grown.length > c.maxSeqLen ? Arrays.copyOfRange(grown, 1, grown.length) : grown;
        }
        return out;
    }

    private static float[] lastLogits(CausalLanguageModel model, Tape.ParamSource params, int[] seq, int prefixLen) {
        float[] ids = new float[seq.length];
        for (int i = 0; i < seq.length; i++) {
            ids[i] = seq[i];
        }
        Batch batch = new Batch(Map.of(CausalLanguageModel.INPUT_IDS, Nd4j.create(ids, new long[] {1, seq.length}, 'c'),
                CausalLanguageModel.PAD_MASK, Nd4j.zeros(DataType.FLOAT, 1, seq.length),
                CausalLanguageModel.PREFIX_LEN, Nd4j.scalar(DataType.FLOAT, prefixLen).reshape(1)));
        try (Tape t = Tape.inference(params)) {
            INDArray logits = model.forward(t, batch).logits().value();
            long last = logits.size(1) - 1;
            return logits.get(NDArrayIndex.point(0), NDArrayIndex.point(last), NDArrayIndex.all()).toFloatVector();
        }
    }

    static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Temperature, then top-k, then top-p (keeping at least one token), then a draw from the softmax. */
    static int sample(float[] logits, Options o, Random rnd) {
        int v = logits.length;
        double[] x = new double[v];
        for (int i = 0; i < v; i++) {
            x[i] = logits[i] / o.temperature();
        }
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(x[b], x[a]));
        int keep = o.topK() > 0 ? Math.min(o.topK(), v) : v;
        double max = x[order[0]], z = 0;
        double[] p = new double[keep];
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(x[order[i]] - max);
            z += p[i];
        }
        if (o.topP() < 1) {
            double cum = 0;
            int kept = 0;
            while (kept < keep && (kept == 0 || cum < o.topP())) {
                cum += p[kept] / z;
                kept++;
            }
            keep = kept;
            z = 0;
            for (int i = 0; i < keep; i++) {
                z += p[i];
            }
        }
        double u = rnd.nextDouble() * z;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
