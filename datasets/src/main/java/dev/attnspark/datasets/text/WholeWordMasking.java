package dev.attnspark.datasets.text;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Whole-word masking for the masked language model, as perceiver-io's {@code WordMaskingCollator.mask_words_1}
 * ({@code perceiver/data/text/collator.py}), with a random stream per (seed, epoch, example) so that a mask can be
 * recomputed anywhere, in any order.
 * <ul>
 * <li>Words are runs of equal word ids; tokens with {@link PerceiverTokenizer#NO_WORD} (specials) belong to no word
 *     and are never masked, and do not end a run: as upstream, equal ids on both sides of a special are one word.</li>
 * <li>Each word is selected independently with probability {@code maskProb} ({@code np.random.binomial(1, p, n)}), so
 *     the masked share is about, not exactly, {@code maskProb}.</li>
 * <li>Per selected word, two uniforms {@code r0, r1}: {@code r0 < 0.8} replaces all its tokens with [MASK],
 *     otherwise {@code r1 < 0.5} replaces each of its tokens with its own random id, otherwise the word is kept.</li>
 * <li>Random ids are drawn from all {@link PerceiverTokenizer#VOCAB_SIZE} = 262 ids, specials included:
 *     {@code np.random.randint(tokenizer.vocab_size)}, and {@code vocab_size} is 262 in transformers 4.28–4.33,
 *     which perceiver-io 0.11 was built on (256 from 4.34, where the property dropped the specials).</li>
 * <li>Labels are the original ids at every token of a selected word (masked, replaced or kept) and
 *     {@link #IGNORE_LABEL} elsewhere.</li>
 * <li>Seeding: upstream draws from numpy's global state in each loader worker; here a {@link SplittableRandom} is
 *     seeded from (seed, epoch, example index), so dynamic masks differ per epoch and repeat across runs. Static
 *     masking ({@code common.py _mask_dataset}, masking once at preprocessing) is the mask of {@link #STATIC_EPOCH}.</li>
 * </ul>
 */
public final class WholeWordMasking implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The label of tokens that are not predicted (PyTorch's cross-entropy {@code ignore_index}). */
    public static final int IGNORE_LABEL = -100;
    /** The epoch whose mask static masking uses for every epoch. */
    public static final int STATIC_EPOCH = -1;

    private final double maskProb;
    private final long seed;

    /** @param maskProb probability that a word is selected (perceiver-io's {@code mask_prob}, default 0.15) */
    public WholeWordMasking(double maskProb, long seed) {
        if (!(maskProb >= 0 && maskProb <= 1)) {
            throw new IllegalArgumentException("mask_prob must be in [0, 1], not " + maskProb);
        }
        this.maskProb = maskProb;
        this.seed = seed;
    }

    public double maskProb() {
        return maskProb;
    }

    public long seed() {
        return seed;
    }

    /** The masked input and labels of one chunk in {@code epoch} ({@link #STATIC_EPOCH} for static masking). */
    public MaskedExample mask(TokenChunk chunk, int epoch) {
        int[][] masked = mask(chunk.ids(), chunk.wordIds(), epoch, chunk.index());
        return new MaskedExample(chunk.index(), masked[0], masked[1]);
    }

    /**
     * Masks {@code ids} by their {@code wordIds}.
     *
     * @return {input ids, labels}; {@code ids} itself is not changed
     */
    public int[][] mask(int[] ids, int[] wordIds, int epoch, long exampleIndex) {
        if (ids.length != wordIds.length) {
            throw new IllegalArgumentException(ids.length + " token ids but " + wordIds.length + " word ids");
        }
        SplittableRandom rnd = new SplittableRandom(mix(mix(mix(seed, epoch), exampleIndex), 0x5eed));
        int[] input = ids.clone();
        int[] labels = new int[ids.length];
        Arrays.fill(labels, IGNORE_LABEL);
        int i = 0;
        while (i < ids.length) {
            if (wordIds[i] == PerceiverTokenizer.NO_WORD) {
                i++;
                continue;
            }
            // the word's tokens: this one and all later ones with the same id, skipping NO_WORD tokens in between
            int word = wordIds[i];
            int end = i + 1;
            while (end < ids.length && (wordIds[end] == word || wordIds[end] == PerceiverTokenizer.NO_WORD)) {
                end++;
            }
            while (wordIds[end - 1] == PerceiverTokenizer.NO_WORD) {
                end--;
            }
            if (rnd.nextDouble() < maskProb) {
                double r0 = rnd.nextDouble();
                double r1 = rnd.nextDouble();
                for (int k = i; k < end; k++) {
                    if (wordIds[k] == PerceiverTokenizer.NO_WORD) {
                        continue;
                    }
                    labels[k] = ids[k];
                    if (r0 < 0.8) {
                        input[k] = PerceiverTokenizer.MASK;
                    } else if (r1 < 0.5) {
                        input[k] = rnd.nextInt(PerceiverTokenizer.VOCAB_SIZE);
                    }
                }
            }
            i = end;
        }
        return new int[][] {input, labels};
    }

    /** SplitMix64's finalizer over a combination of {@code a} and {@code b}: nearby inputs give unrelated seeds. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
