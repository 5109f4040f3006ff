package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The values of a model's frozen parameters, kept outside DL4J's parameter vector (so they get no gradient, updater
 * state or gradient-sharing residual) and read-only: every model layer of a JVM that uses the same frozen values
 * shares one copy, keyed by their content hash (two local workers and the driver hold one frozen encoder, not three).
 *
 * <p>The driver publishes them as a file ({@link Source}: a location and its SHA-256) that executors read through the
 * {@link Reader} found by {@link ServiceLoader} (the checkpoint layer's safetensors reader, which knows Hadoop file
 * systems; the model layer does not).
 */
public final class FrozenWeights {
    /**
     * Frozen sets cached, the most recently used ones (a test JVM runs many models). A layer keeps the set it got
     * even when it is evicted here; a layer built later then reads the file again.
     */
    private static final int CACHED = 2;
    private static final Map<String, Map<String, INDArray>> BY_SHA = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, INDArray>> eldest) {
            return size() > CACHED;
        }
    };

    private FrozenWeights() {}

    /**
     * Where frozen values are: a file this job wrote and the SHA-256 of its content, or ({@code base}) an upstream
     * checkpoint read in place (a safetensors file, index or folder) and the SHA-256 of its files' names, sizes and
     * headers (hashing every byte of a base of many gigabytes on every executor would cost minutes).
     */
    public record Source(String location, String sha256, boolean base) {
        public Source(String location, String sha256) {
            this(location, sha256, false);
        }
    }

    /** Reads published frozen values; implemented where file systems are known. */
    public interface Reader {
        /**
         * The tensors {@code names} of the file or checkpoint at {@code source}, checked against its digest, as new
         * arrays (16-bit floats stay 16-bit); checkpoint names are read through {@code renames} (upstream prefix to
         * ours) and the wrappers upstream tools add.
         */
        Map<String, INDArray> read(Source source, java.util.Set<String> names, Map<String, String> renames)
                throws IOException;
    }

    /** Fresh values, initialized as the model declares (RNG seeded by the caller, as for trainable parameters). */
    static Map<String, INDArray> initialize(List<ParamSpec> specs, DataType type) {
        if (specs.isEmpty()) {
            return Map.of();
        }
        ParamStore store = ParamStore.allocate(specs, false, type);
        return store.values();
    }

    /** Makes {@code values} the shared copy of {@code source}, e.g. the driver's own, just published. */
    public static synchronized void share(Source source, Map<String, INDArray> values) {
        BY_SHA.put(source.sha256(), values);
    }

    /**
     * The values published at {@code source}: the JVM's shared copy, read once; checked against {@code specs}.
     *
     * @param renames the model type's checkpoint renames (for a base read in place)
     */
    static Map<String, INDArray> get(Source source, List<ParamSpec> specs, Map<String, String> renames) {
        Map<String, INDArray> values;
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        specs.forEach(s -> names.add(s.name()));
        // a base read in place is shared by the runs that freeze the same parameters of it
        String key = source.base() ? source.sha256() + "/" + names.hashCode() : source.sha256();
        synchronized (FrozenWeights.class) {
            values = BY_SHA.get(key);
            if (values == null) {
                values = read(source, names, renames);
                BY_SHA.put(key, values);
            }
        }
        for (ParamSpec s : specs) {
            INDArray v = values.get(s.name());
            if (v == null || !Arrays.equals(v.shape(), s.shape())) {
                throw new IllegalStateException(source.location() + ": frozen parameter " + s.name()
                        + (v == null ? " is missing" : " has shape " + Arrays.toString(v.shape()) + ", the model "
                        + Arrays.toString(s.shape())));
            }
        }
        return values;
    }

    private static Map<String, INDArray> read(Source source, java.util.Set<String> names, Map<String, String> renames) {
        Reader reader = ServiceLoader.load(Reader.class, FrozenWeights.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + Reader.class.getName() + " on the class path"));
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return reader.read(source, names, renames);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read frozen weights " + source.location() + ": " + e.getMessage(), e);
        }
    }
}
