package dev.attnspark.job.checkpoint;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/** Named tensors to import: in memory, or in safetensors files read one tensor at a time. */
public interface WeightSource {
    Set<String> names();

    long[] shape(String name);

    /** A tensor as a new array. */
    INDArray read(String name);

    /** Copies a tensor into an existing array of the same number of elements (e.g. a parameter view). */
    void copyInto(String name, INDArray target);

    /** Tensors already in memory. */
    static WeightSource of(Map<String, INDArray> tensors) {
        return new WeightSource() {
            @Override
            public Set<String> names() {
                return tensors.keySet();
            }

            @Override
            public long[] shape(String name) {
                return tensors.get(name).shape();
            }

            @Override
            public INDArray read(String name) {
                return tensors.get(name);
            }

            @Override
            public void copyInto(String name, INDArray target) {
                target.assign(tensors.get(name).castTo(target.dataType()).reshape(target.shape()));
            }
        };
    }
}
