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

    /** Where published frozen values are: a file location and the SHA-256 of its content. */
    public record Source(String location, String sha256) {}

    /** Reads published frozen values; implemented where file systems are known. */
    public interface Reader {
        /** The tensors of the file at {@code source}, checked against its hash, as new arrays. */
        Map<String, INDArray> read(Source source) throws IOException;
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

    /** The values published at {@code source}: the JVM's shared copy, read once; checked against {@code specs}. */
    static Map<String, INDArray> get(Source source, List<ParamSpec> specs) {
        Map<String, INDArray> values;
        synchronized (FrozenWeights.class) {
            values = BY_SHA.get(source.sha256());
            if (values == null) {
                values = read(source);
                BY_SHA.put(source.sha256(), values);
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

    private static Map<String, INDArray> read(Source source) {
        Reader reader = ServiceLoader.load(Reader.class, FrozenWeights.class.getClassLoader()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + Reader.class.getName() + " on the class path"));
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Map<String, INDArray> read = reader.read(source);
            Map<String, INDArray> out = new LinkedHashMap<>();
            read.forEach((k, v) -> out.put(k, v.dataType() == DataType.FLOAT ? v : v.castTo(DataType.FLOAT)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read frozen weights " + source.location() + ": " + e.getMessage(), e);
        }
    }
}
