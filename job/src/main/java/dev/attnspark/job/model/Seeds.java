package dev.attnspark.job.model;

/**
 * Seeds for ND4J's native random generator, which treats a seed of 0 as "no seed" (non-repeatable draws): every
 * seed handed to ND4J goes through {@link #nd4j}, so {@code trainer.seed: 0} is as repeatable as any other value.
 */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed, never-zero seed derived from {@code parts}. */
    public static long nd4j(long... parts) {
        long h = 0x632BE59BD9B4E019L;
        for (long p : parts) {
            h = (h ^ p) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 29;
        }
        return h == 0 ? 1 : h;
    }
}
