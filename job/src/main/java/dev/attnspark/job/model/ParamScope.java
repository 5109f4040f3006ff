package dev.attnspark.job.model;

import dev.attnspark.job.model.core.LoraConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects parameter declarations under dotted prefixes, mirroring PyTorch module nesting so that every parameter
 * carries its upstream name ({@code 0.cross_attn_1.0.module.attention.q_proj.weight}). A scope may carry LoRA
 * settings, which the linear layers declared in it consult ({@link #adapters}).
 */
public final class ParamScope {
    private final String prefix;
    private final Map<String, ParamSpec> specs;
    private final LoraConfig lora;

    private ParamScope(String prefix, Map<String, ParamSpec> specs, LoraConfig lora) {
        this.prefix = prefix;
        this.specs = specs;
        this.lora = lora;
    }

    public static ParamScope root() {
        return root(null);
    }

    /** A root scope whose linear layers get LoRA adapters where {@code lora} targets them (null: none). */
    public static ParamScope root(LoraConfig lora) {
        return new ParamScope("", new LinkedHashMap<>(), lora);
    }

    /** The scope of a child module: names declared in it get {@code name.} in front. */
    public ParamScope child(String name) {
        return new ParamScope(prefix + name + ".", specs, lora);
    }

    /** The LoRA settings when they target this scope's module, else null. */
    public LoraConfig adapters() {
        return lora != null && !prefix.isEmpty() && lora.targets(prefix.substring(0, prefix.length() - 1)) ? lora
                : null;
    }

    /** Declares a parameter and returns its full name. */
    public String declare(String name, ParamSpec.Init init, long... shape) {
        String full = prefix + name;
        if (specs.containsKey(full)) {
            throw new IllegalStateException("parameter declared twice: " + full);
        }
        specs.put(full, new ParamSpec(full, shape, init));
        return full;
    }

    /** All declarations so far, in declaration order (the order of the flattened DL4J parameter vector). */
    public List<ParamSpec> specs() {
        return Collections.unmodifiableList(new ArrayList<>(specs.values()));
    }
}
