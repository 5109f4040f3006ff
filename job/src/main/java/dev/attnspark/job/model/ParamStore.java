package dev.attnspark.job.model;

import dev.attnspark.job.model.ParamSpec.Init;
import dev.attnspark.job.model.autograd.Tape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A model's parameters by name, each a [PyTorch-layout] view: the trainable ones laid out in one flat vector (the
 * layout DL4J's updaters and gradient sharing work on), likewise their gradients; frozen ones, if any, elsewhere.
 */
public final class ParamStore implements Tape.ParamSource {
    private final Map<String, INDArray> values;
    private final Map<String, INDArray> grads;
    private final Predicate<String> frozen;

    private ParamStore(Map<String, INDArray> values, Map<String, INDArray> grads, Predicate<String> frozen) {
        this.values = values;
        this.grads = grads;
        this.frozen = frozen;
    }

    /** Total number of values of all parameters. */
    public static long size(List<ParamSpec> specs) {
        return specs.stream().mapToLong(ParamSpec::length).sum();
    }

    /** Named views of {@code flat} ([1, size] or [size]), in the order of {@code specs}. */
    public static Map<String, INDArray> views(List<ParamSpec> specs, INDArray flat) {
        long total = size(specs);
        if (flat.length() != total) {
            throw new IllegalArgumentException("parameter vector has " + flat.length() + " values, the model " + total);
        }
        INDArray row = flat.reshape(1, total);
        Map<String, INDArray> out = new LinkedHashMap<>();
        long at = 0;
        for (ParamSpec s : specs) {
            out.put(s.name(), row.get(NDArrayIndex.point(0), NDArrayIndex.interval(at, at + s.length()))
                    .reshape('c', s.shape()));
            at += s.length();
        }
        return Collections.unmodifiableMap(out);
    }

    /** A store over existing flat vectors (DL4J's parameter and gradient views); {@code gradFlat} may be null. */
    public static ParamStore over(List<ParamSpec> specs, INDArray flat, INDArray gradFlat) {
        return new ParamStore(views(specs, flat), gradFlat == null ? null : views(specs, gradFlat), name -> false);
    }

    /**
     * A store whose trainable parameters are views of flat vectors (DL4J's parameter and gradient views, laid out
     * in declaration order without the frozen ones) and whose frozen parameters are {@code frozenValues}, which get
     * no gradient. {@code gradFlat} may be null.
     */
    public static ParamStore over(List<ParamSpec> specs, Predicate<String> frozen, INDArray flat, INDArray gradFlat,
                                  Map<String, INDArray> frozenValues) {
        List<ParamSpec> trainable = specs.stream().filter(s -> !frozen.test(s.name())).toList();
        Map<String, INDArray> trainableValues = views(trainable, flat);
        Map<String, INDArray> values = new LinkedHashMap<>();
        for (ParamSpec s : specs) {
            INDArray v = frozen.test(s.name()) ? frozenValues.get(s.name()) : trainableValues.get(s.name());
            if (v == null) {
                throw new IllegalArgumentException("no value for frozen parameter " + s.name());
            }
            values.put(s.name(), v);
        }
        return new ParamStore(Collections.unmodifiableMap(values), gradFlat == null ? null : views(trainable, gradFlat),
                frozen);
    }

    /** A freshly allocated store, initialized as perceiver-io initializes the model (RNG seeded by the caller). */
    public static ParamStore allocate(List<ParamSpec> specs, boolean withGradients) {
        return allocate(specs, withGradients, DataType.FLOAT);
    }

    /** As {@link #allocate(List, boolean)}, in {@code type}. */
    public static ParamStore allocate(List<ParamSpec> specs, boolean withGradients, DataType type) {
        long n = size(specs);
        ParamStore store = over(specs, Nd4j.create(type, 1, n), withGradients ? Nd4j.create(type, 1, n) : null);
        initialize(specs, store.values);
        return store;
    }

    /** Fills parameter views according to their {@link Init}. */
    public static void initialize(List<ParamSpec> specs, Map<String, INDArray> views) {
        for (ParamSpec s : specs) {
            INDArray v = views.get(s.name());
            if (s.init() instanceof Init.Normal n) {
                v.assign(Nd4j.randn(v.dataType(), s.shape()).muli(n.std()));
            } else if (s.init() instanceof Init.Uniform u) {
                v.assign(Nd4j.rand(v.dataType(), s.shape()).muli(2 * u.bound()).subi(u.bound()));
            } else {
                v.assign(s.init() instanceof Init.Ones ? 1 : 0);
            }
        }
    }

    public Map<String, INDArray> values() {
        return values;
    }

    public Map<String, INDArray> grads() {
        return grads;
    }

    @Override
    public INDArray value(String name) {
        return values.get(name);
    }

    @Override
    public boolean trainable(String name) {
        return !frozen.test(name);
    }

    @Override
    public INDArray grad(String name) {
        return grads == null ? null : grads.get(name);
    }

    /** Zeroes all gradients (they are accumulated across the uses of shared parameters). */
    public void zeroGrads() {
        if (grads != null) {
            grads.values().forEach(g -> g.assign(0));
        }
    }

    public Set<String> names() {
        return values.keySet();
    }
}
