package dev.attnspark.job.reference;

import dev.attnspark.job.checkpoint.Safetensors;
import dev.attnspark.job.checkpoint.UpstreamWeights;
import dev.attnspark.job.checkpoint.SafetensorsFiles;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.registry.ModelTypes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a model against a fixture computed by the upstream implementation: builds the model from the fixture's
 * {@code config.json}, loads {@code model.safetensors} by upstream names, feeds the batch its model type reads from
 * {@code io.safetensors}
 * and compares outputs, loss and every parameter gradient (dropout off, as the fixtures were made in eval mode).
 */
public final class ReferenceCheck {
    /** Tolerance on outputs and loss: max |a − b| / (max |b| + 1e-6). */
    public static final double OUTPUT_TOLERANCE = 1e-4;
    /** Tolerance on each gradient tensor, relative to that tensor's max magnitude. */
    public static final double GRADIENT_TOLERANCE = 1e-3;


    /** A reference gradient this much smaller than its module's is zero up to float32 rounding. */
    private static final double ROUNDING_LEVEL = 1e-5;

    private ReferenceCheck() {}

    /** One compared tensor. */
    public record Comparison(String name, double relativeError, double tolerance) {
        public boolean ok() {
            return relativeError <= tolerance;
        }
    }

    /** All comparisons of one check. */
    public record Result(String modelType, Path dir, long parameters, List<Comparison> comparisons) {
        public boolean passed() {
            return comparisons.stream().allMatch(Comparison::ok);
        }

        public Comparison worst(String prefix) {
            return comparisons.stream().filter(c -> c.name.startsWith(prefix))
                    .max((a, b) -> Double.compare(a.relativeError / a.tolerance, b.relativeError / b.tolerance))
                    .orElse(null);
        }

        /** A readable report: one line per tensor, then a summary. */
        public String report() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "reference check %s on %s%s%n", modelType, dir,
                    parameters > 0 ? String.format(Locale.ROOT, " (%,d parameters)", parameters) : ""));
            sb.append(String.format(Locale.ROOT, "%-70s %12s %10s%n", "tensor", "max rel err", "tolerance"));
            for (Comparison c : comparisons) {
                sb.append(String.format(Locale.ROOT, "%-70s %12.3e %10.0e%s%n", c.name, c.relativeError, c.tolerance,
                        c.ok() ? "" : "  FAIL"));
            }
            long failed = comparisons.stream().filter(c -> !c.ok()).count();
            sb.append(String.format(Locale.ROOT, "%s: %d tensors compared, %d outside tolerance%n",
                    failed == 0 ? "PASS" : "FAIL", comparisons.size(), failed));
            return sb.toString();
        }
    }

    /** Runs the check of {@code modelType} (a {@link ModelTypes} name) on the fixture folder {@code dir}. */
    public static Result run(String modelType, Path dir) throws IOException {
        return run(modelType, dir, dir.resolve("io.safetensors"));
    }

    /**
     * As {@link #run(String, Path)} with the inputs and expected outputs of {@code ioFile}: a checkpoint folder as
     * the Hub lays it out ({@code config.json}, {@code model.safetensors} or its shards and index) checked against the
     * {@code io.safetensors} of a fixture made with the same weights.
     */
    public static Result run(String modelType, Path dir, Path ioFile) throws IOException {
        if (modelType.equals(ImageProcessorCheck.NAME)) {
            return ImageProcessorCheck.run(dir, ioFile);
        }
        return run(ModelTypes.get(modelType), dir, ioFile);
    }

    /** What {@code --model-type} accepts: the model types and the image processor. */
    public static List<String> checkable() {
        List<String> names = new ArrayList<>(ModelTypes.names());
        names.add(ImageProcessorCheck.NAME);
        return names;
    }

    private static <C> Result run(ModelType<C> type, Path dir, Path ioFile) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such fixture folder");
        }
        Map<String, INDArray> io = readSafetensors(ioFile);
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "fixture has no config.json");
        }
        C config;
        try {
            config = type.validate(ModelTypes.readConfig(type, configFile.toFile()), "");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(configFile + ": not a " + type.name() + " configuration ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + ")", e);
        }
        Batch batch;
        try {
            batch = type.fixtureBatch(io, config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ioFile + ": " + e.getMessage(), e);
        }
        Model model = type.create(config);
        ParamStore store = ParamStore.allocate(model.parameters(), true);
        try (SafetensorsFiles weights = SafetensorsFiles.open(dir)) {
            UpstreamWeights.load(weights, model, store.values(), dir.toString(), type.renames());
        }
        List<Comparison> out = new ArrayList<>();
        try (Tape tape = new Tape(false, true, store)) {
            Output output = model.forward(tape, batch);
            String outputName = type.fixtureOutput();
            out.add(compare(outputName, output.logits().value(), require(io, outputName, ioFile), OUTPUT_TOLERANCE));
            out.add(compare("loss", output.loss().value().reshape(1), require(io, "loss", ioFile), OUTPUT_TOLERANCE));
            tape.backward(output.loss(), Nd4j.scalar(output.loss().value().dataType(), 1.0));
        }
        for (Map.Entry<String, INDArray> g : store.grads().entrySet()) {
            INDArray expected = require(io, "grad." + g.getKey(), ioFile);
            double scale = moduleGradientScale(io, g.getKey());
            if (maxAbs(expected) < ROUNDING_LEVEL * scale) {
                // zero by symmetry (e.g. k_proj.bias: softmax ignores a shift shared by all keys): both sides are
                // float32 rounding noise, so the error is measured against the module's gradient scale
                double err = actualMinusExpected(g.getValue(), expected) / scale;
                out.add(new Comparison("grad." + g.getKey() + " (zero; vs module scale)", err, GRADIENT_TOLERANCE));
            } else {
                out.add(compare("grad." + g.getKey(), g.getValue(), expected, GRADIENT_TOLERANCE));
            }
        }
        return new Result(type.name(), dir, ParamStore.size(model.parameters()), out);
    }

    /** max |a − b| / (max |b| + 1e-6), the fixtures' error measure. */
    public static double relativeError(INDArray actual, INDArray expected) {
        return actualMinusExpected(actual, expected) / (maxAbs(expected) + 1e-6);
    }

    /** max |a − b|; NaN if either side has a NaN or an infinity anywhere (ND4J's max skips NaNs). */
    private static double actualMinusExpected(INDArray actual, INDArray expected) {
        INDArray a = actual.castTo(DataType.DOUBLE), b = expected.castTo(DataType.DOUBLE).reshape(a.shape());
        INDArray d = a.sub(b);
        if (d.isNaN().any() || d.isInfinite().any()) {
            return Double.NaN;
        }
        return d.amaxNumber().doubleValue();
    }

    private static double maxAbs(INDArray a) {
        return a.castTo(DataType.DOUBLE).amaxNumber().doubleValue();
    }

    /** Largest reference gradient magnitude among the parameters of the module owning {@code param}. */
    private static double moduleGradientScale(Map<String, INDArray> io, String param) {
        String module = "grad." + param.substring(0, param.lastIndexOf('.') + 1);
        return io.entrySet().stream().filter(e -> e.getKey().startsWith(module))
                .mapToDouble(e -> maxAbs(e.getValue())).max().orElse(0);
    }

    static Comparison compare(String name, INDArray actual, INDArray expected, double tol) {
        if (actual.length() != expected.length()) {
            throw new IllegalArgumentException(name + ": computed " + actual.length() + " values, the fixture has "
                    + expected.length());
        }
        return new Comparison(name, relativeError(actual, expected), tol);
    }

    static INDArray require(Map<String, INDArray> io, String name, Path ioFile) {
        INDArray a = io.get(name);
        if (a == null) {
            throw new IllegalArgumentException(ioFile + " has no tensor '" + name + "'");
        }
        return a;
    }

    static Map<String, INDArray> readSafetensors(Path file) throws IOException {
        return Safetensors.read(file);
    }
}
