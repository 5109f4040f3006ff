package dev.attnspark.job.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minibatch as named arrays, one row per example: a model's inputs ({@code image}; {@code input_ids},
 * {@code pad_mask}; later {@code image_patches}) and, for training and scoring, {@link #LABELS}. Between Spark and
 * DL4J it travels as a {@link MultiDataSet} whose features are the model's {@link Model#inputs} in that order and
 * whose one labels array is {@code labels}.
 */
public final class Batch {
    public static final String LABELS = "labels";
    private final Map<String, INDArray> arrays;

    public Batch(Map<String, INDArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one array");
        }
        this.arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }

    /** The features of {@code mds} named by {@code inputs}, and its labels (if any). */
    public static Batch of(List<String> inputs, MultiDataSet mds) {
        return of(inputs, mds.getFeatures(), mds.getLabels() == null || mds.getLabels().length == 0 ? null
                : mds.getLabels(0));
    }

    /** {@code features[i]} named {@code inputs.get(i)}; {@code labels} may be null. */
    public static Batch of(List<String> inputs, INDArray[] features, INDArray labels) {
        if (features.length != inputs.size()) {
            throw new IllegalArgumentException("the model reads " + inputs.size() + " inputs " + inputs + ", the batch "
                    + "has " + features.length + " feature arrays");
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < features.length; i++) {
            m.put(inputs.get(i), features[i]);
        }
        if (labels != null) {
            m.put(LABELS, labels);
        }
        return new Batch(m);
    }

    /** The array called {@code name}; an error naming what the batch has if there is none. */
    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("the batch has no '" + name + "' (it has " + arrays.keySet() + ")");
        }
        return a;
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    /** The labels, or null for an unlabelled batch (inference). */
    public INDArray labels() {
        return arrays.get(LABELS);
    }

    /** Examples in the batch. */
    public long size() {
        return arrays.values().iterator().next().size(0);
    }

    public Map<String, INDArray> arrays() {
        return arrays;
    }

    /** As DL4J carries it: the arrays named by {@code inputs} as features, in that order, and the labels. */
    public org.nd4j.linalg.dataset.MultiDataSet toMultiDataSet(List<String> inputs) {
        INDArray[] features = inputs.stream().map(this::get).toArray(INDArray[]::new);
        INDArray labels = labels();
        return new org.nd4j.linalg.dataset.MultiDataSet(features, labels == null ? null : new INDArray[] {labels});
    }
}
