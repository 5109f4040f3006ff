package dev.attnspark.job.config;

import java.util.Map;

/**
 * Metric names as upstream's Lightning modules log them, in validation tables, TensorBoard and {@code monitor} keys:
 * {@code val_loss}, {@code val_acc}, {@code train_acc}. Tasks and {@code metrics.jsonl} keep their own keys
 * ({@code loss}, {@code accuracy}).
 */
public final class MetricNames {
    /** Keys logged under a shorter name. */
    private static final Map<String, String> SHORT = Map.of("accuracy", "acc");

    private MetricNames() {}

    /** {@code accuracy} → {@code val_acc}. */
    public static String validation(String key) {
        return "val_" + SHORT.getOrDefault(key, key);
    }

    /** {@code accuracy} → {@code train_acc}. */
    public static String training(String key) {
        return "train_" + SHORT.getOrDefault(key, key);
    }

    /** Whether lower values of a metric are better (losses, perplexity, bits per byte). */
    public static boolean lowerIsBetter(String key) {
        return key.contains("loss") || key.contains("perplexity") || key.contains("bits_per_byte");
    }

    /** The task's key of a validation name: {@code val_acc} (or {@code val_accuracy}) → {@code accuracy}. */
    public static String key(String validationName) {
        String name = validationName.substring("val_".length());
        return SHORT.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).findFirst()
                .orElse(name);
    }
}
