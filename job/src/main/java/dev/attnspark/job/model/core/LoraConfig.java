package dev.attnspark.job.model.core;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.ArrayList;
import java.util.List;

/**
 * LoRA adapters as PEFT's {@code LoraConfig} defines them (Hu et al. 2021): each targeted {@code nn.Linear} of weight
 * W [out, in] gains {@code lora_A} [r, in] (kaiming-uniform) and {@code lora_B} [out, r] (zeros), and computes
 * {@code W x + b + (alpha / r) · B A dropout(x)}; with B zero the model is exactly the base model. The keys are PEFT's
 * ({@code r}, {@code lora_alpha} as {@code alpha}, {@code lora_dropout} as {@code dropout}, {@code target_modules}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class LoraConfig {
    /** The adapters' rank; 0 means no adapters. */
    public int r = 0;
    /** The scale numerator: adapters add {@code alpha / r} times their product. */
    public double alpha = 8;
    /** Dropout on the adapters' input (training only). */
    public double dropout = 0.0;
    /**
     * Module names, matched as PEFT matches a list: a module is targeted when its name equals one of them or ends
     * with {@code "." + one of them} ({@code dense} matches {@code self_attn.dense}, not {@code mlp.dense_h_to_4h}).
     * Empty: the model family's default ({@link #withDefaultTargets}).
     */
    public List<String> targetModules = new ArrayList<>();

    public boolean enabled() {
        return r > 0;
    }

    public double scaling() {
        return alpha / r;
    }

    /** Whether the module of that dotted name gets adapters. */
    public boolean targets(String module) {
        return enabled() && targetModules.stream().anyMatch(t -> module.equals(t) || module.endsWith("." + t));
    }

    /** Whether a parameter is an adapter matrix ({@code <module>.lora_A.weight}, {@code <module>.lora_B.weight}). */
    public static boolean isAdapter(String param) {
        return param.contains(".lora_A.") || param.contains(".lora_B.");
    }

    /** Fills empty {@code target_modules} with a family's default targets. */
    public LoraConfig withDefaultTargets(List<String> targets) {
        if (targetModules == null || targetModules.isEmpty()) {
            targetModules = new ArrayList<>(targets);
        }
        return this;
    }

    /** Checks the settings; messages name keys under {@code keyPrefix} ({@code model.lora.}). */
    public LoraConfig validate(String keyPrefix) {
        if (r < 0) {
            throw new IllegalArgumentException(keyPrefix + "r must be >= 0 (0: no adapters), not " + r);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException(keyPrefix + "dropout must be in [0, 1), not " + dropout);
        }
        return this;
    }
}
