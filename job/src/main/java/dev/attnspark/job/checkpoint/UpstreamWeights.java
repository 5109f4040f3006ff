package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.core.LoraConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads upstream weights into a model's parameter views by their upstream names. Accepts the bare
 * {@code state_dict} names, perceiver-io's Hugging Face export ({@code backend_model.} prefix), its Lightning
 * checkpoints ({@code model.} prefix) and PEFT's adapter files ({@code base_model.model.} prefix). A base checkpoint
 * without any LoRA adapter leaves a model's adapters as initialized (B zero: the base model). Anything else that does
 * not match is reported in one error.
 */
public final class UpstreamWeights {
    /** Prefixes under which upstream tools save the same {@code state_dict}. */
    public static final List<String> PREFIXES = List.of("backend_model.", "base_model.model.", "model.");
    private static final double BUFFER_TOLERANCE = 1e-4;

    private UpstreamWeights() {}

    /** What an import did: the parameters loaded and the upstream buffers that were checked. */
    public record Report(int loaded, List<String> buffersChecked) {}

    /**
     * Copies {@code tensors} into {@code target} (name → parameter view).
     *
     * @param source named in the error message
     * @throws IllegalArgumentException listing missing, unexpected and mis-shaped tensors, or disagreeing buffers
     */
    public static Report load(Map<String, INDArray> tensors, Model model, Map<String, INDArray> target, String source) {
        return load(WeightSource.of(tensors), model, target, source);
    }

    /**
     * Copies every tensor of {@code tensors} straight into its parameter view: with {@link SafetensorsFiles} one
     * tensor at a time, so the weights are never in memory twice.
     */
    public static Report load(WeightSource tensors, Model model, Map<String, INDArray> target, String source) {
        return load(tensors, model, target, source, Map.of());
    }

    /**
     * As {@link #load(WeightSource, Model, Map, String)}, with a model type's own renames: a checkpoint name starting
     * with a key of {@code renames} is read as starting with its value instead.
     */
    public static Report load(WeightSource tensors, Model model, Map<String, INDArray> target, String source,
                              Map<String, String> renames) {
        return load(tensors, model, target, source, renames, "");
    }

    /**
     * As {@link #load(WeightSource, Model, Map, String, Map)}, for the parameters and buffers whose names start with
     * {@code only} ({@code 0.}: an encoder): the others are neither loaded nor missed. Parameters of the model that
     * {@code target} leaves out (a frozen base read from the same files elsewhere) are skipped too.
     */
    public static Report load(WeightSource tensors, Model model, Map<String, INDArray> target, String source,
                              Map<String, String> renames, String only) {
        Map<String, INDArray> buffers = model.buffers();
        Set<String> params = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        for (ParamSpec s : model.parameters()) {
            params.add(s.name());
            if (s.name().startsWith(only) && target.containsKey(s.name())) {
                missing.add(s.name());
            }
        }
        long adapters = missing.stream().filter(LoraConfig::isAdapter).count();
        List<String> unexpected = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        int loaded = 0;
        for (String key : tensors.names()) {
            String name = resolve(renamed(key, renames), params, buffers.keySet());
            if (!only.isEmpty() && (name == null ? !unwrapped(key).startsWith(only) : !name.startsWith(only))) {
                continue;
            }
            if (name == null) {
                unexpected.add(key);
                continue;
            }
            long[] shape = tensors.shape(key);
            if (buffers.containsKey(name)) {
                INDArray mine = buffers.get(name);
                if (!Arrays.equals(mine.shape(), shape)) {
                    problems.add("buffer " + key + ": shape " + Arrays.toString(shape) + ", model computes "
                            + Arrays.toString(mine.shape()));
                } else {
                    double diff = mine.castTo(DataType.FLOAT).sub(tensors.read(key).castTo(DataType.FLOAT))
                            .amaxNumber().doubleValue();
                    if (diff > BUFFER_TOLERANCE) {
                        problems.add("buffer " + key + " differs from what the model computes (max |diff| " + diff
                                + ")");
                    }
                    checked.add(name);
                }
                continue;
            }
            INDArray dst = target.get(name);
            if (dst == null) {
                continue;
            }
            missing.remove(name);
            if (!Arrays.equals(dst.shape(), shape)) {
                problems.add(key + ": checkpoint shape " + Arrays.toString(shape) + ", model shape "
                        + Arrays.toString(dst.shape()));
                continue;
            }
            tensors.copyInto(key, dst);
            loaded++;
        }
        if (adapters > 0 && missing.size() == adapters && missing.stream().allMatch(LoraConfig::isAdapter)) {
            missing.clear(); // a base checkpoint, without any adapter: the adapters start as initialized
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !problems.isEmpty()) {
            StringBuilder msg = new StringBuilder(source + ": weights do not match the model");
            if (!missing.isEmpty()) {
                msg.append("\n  missing from the checkpoint (").append(missing.size()).append("): ").append(cap(missing));
            }
            if (!unexpected.isEmpty()) {
                msg.append("\n  not in the model (").append(unexpected.size()).append("): ").append(cap(unexpected));
            }
            for (String p : problems) {
                msg.append("\n  ").append(p);
            }
            throw new IllegalArgumentException(msg.toString());
        }
        return new Report(loaded, checked);
    }

    /** Our name of a checkpoint's tensor {@code key} (through {@code renames} and the wrappers), if in {@code names}. */
    public static String resolveName(String key, Map<String, String> renames, Set<String> names) {
        return resolve(renamed(key, renames), names, Set.of());
    }

    /** A checkpoint name without the export wrapper it may have. */
    private static String unwrapped(String key) {
        for (String p : PREFIXES) {
            if (key.startsWith(p)) {
                return key.substring(p.length());
            }
        }
        return key;
    }

    private static String renamed(String key, Map<String, String> renames) {
        for (Map.Entry<String, String> r : renames.entrySet()) {
            if (key.startsWith(r.getKey())) {
                return r.getValue() + key.substring(r.getKey().length());
            }
        }
        return key;
    }

    private static String resolve(String key, Set<String> params, Set<String> buffers) {
        if (params.contains(key) || buffers.contains(key)) {
            return key;
        }
        for (String p : PREFIXES) {
            if (key.startsWith(p)) {
                String bare = key.substring(p.length());
                if (params.contains(bare) || buffers.contains(bare)) {
                    return bare;
                }
            }
        }
        return null;
    }

    private static String cap(java.util.Collection<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 12 ? String.join(", ", l) : String.join(", ", l.subList(0, 12)) + ", ...";
    }
}
