package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The {@code optimizer} section, with {@code torch.optim.AdamW}'s defaults. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class OptimizerConfig {
    /** {@code AdamW} (decoupled weight decay) or {@code Adam} (no decay). */
    public String name = "AdamW";
    /** Peak learning rate. */
    public double lr = 1e-3;
    /** Decoupled weight decay coefficient (AdamW). */
    public double weightDecay = 0.01;
    /** Adam's beta1 and beta2. */
    public double[] betas = {0.9, 0.999};
    /** Adam's epsilon. */
    public double eps = 1e-8;

    public void validate() {
        if (!name.equals("AdamW") && !name.equals("Adam")) {
            throw new ConfigException("optimizer.name must be AdamW or Adam, got " + name);
        }
        if (!(lr > 0)) {
            throw new ConfigException("optimizer.lr must be > 0, got " + lr);
        }
        if (weightDecay < 0) {
            throw new ConfigException("optimizer.weight_decay must be >= 0, got " + weightDecay);
        }
        if (betas == null || betas.length != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1) {
            throw new ConfigException("optimizer.betas must be two numbers in [0, 1)");
        }
        if (!(eps > 0)) {
            throw new ConfigException("optimizer.eps must be > 0, got " + eps);
        }
    }
}
