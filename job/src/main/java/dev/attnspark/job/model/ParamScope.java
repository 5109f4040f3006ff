package dev.attnspark.job.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects parameter declarations under dotted prefixes, mirroring PyTorch module nesting so that every parameter
 * carries its upstream name ({@code 0.cross_attn_1.0.module.attention.q_proj.weight}).
 */
public final class ParamScope {
    private final String prefix;
    private final Map<String, ParamSpec> specs;

    private ParamScope(String prefix, Map<String, ParamSpec> specs) {
        this.prefix = prefix;
        this.specs = specs;
    }

    public static ParamScope root() {
        return new ParamScope("", new LinkedHashMap<>());
    }

    /** The scope of a child module: names declared in it get {@code name.} in front. */
    public ParamScope child(String name) {
        return new ParamScope(prefix + name + ".", specs);
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
