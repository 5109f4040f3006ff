package dev.attnspark.job.reference;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.checkpoint.Safetensors;
import dev.attnspark.job.checkpoint.UpstreamWeights;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.F;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import dev.attnspark.job.model.tasks.ImageClassifier;
import dev.attnspark.job.model.tasks.ImageClassifierConfig;
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
 * {@code config.json}, loads {@code model.safetensors} by upstream names, feeds the inputs of {@code io.safetensors}
 * and compares outputs, loss and every parameter gradient (dropout off, as the fixtures were made in eval mode).
 */
public final class ReferenceCheck {
    /** Tolerance on outputs and loss: max |a − b| / (max |b| + 1e-6). */
    public static final double OUTPUT_TOLERANCE = 1e-4;
    /** Tolerance on each gradient tensor, relative to that tensor's max magnitude. */
    public static final double GRADIENT_TOLERANCE = 1e-3;

    /** Model types this check knows; the verb's {@code --model-type} values. */
    public static final List<String> MODEL_TYPES = List.of("perceiver-io-image-classifier");

    /** A reference gradient this much smaller than its module's is zero up to float32 rounding. */
    private static final double ROUNDING_LEVEL = 1e-5;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
            sb.append(String.format(Locale.ROOT, "reference check %s on %s (%,d parameters)%n", modelType, dir, parameters));
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

    /** Runs the check of {@code modelType} on the fixture folder {@code dir}. */
    public static Result run(String modelType, Path dir) throws IOException {
        if (!MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("unknown model type '" + modelType + "'; known: "
                    + String.join(", ", MODEL_TYPES));
        }
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such fixture folder");
        }
        Map<String, INDArray> weights = readSafetensors(dir.resolve("model.safetensors"));
        Map<String, INDArray> io = readSafetensors(dir.resolve("io.safetensors"));
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "fixture has no config.json");
        }
        return switch (modelType) {
            case "perceiver-io-image-classifier" -> {
                ImageClassifierConfig config = JSON.readValue(configFile.toFile(), ImageClassifierConfig.class)
                        .validate("");
                ImageClassifier model = new ImageClassifier(config);
                INDArray x = require(io, "x", dir);
                INDArray input = x.castTo(DataType.FLOAT).reshape('c', x.size(0), x.length() / x.size(0));
                yield check(modelType, dir, model, weights, io, input, "logits", require(io, "labels", dir));
            }
            default -> throw new IllegalArgumentException("unknown model type '" + modelType + "'; known: "
                    + String.join(", ", MODEL_TYPES));
        };
    }

    private static Result check(String modelType, Path dir, Model model, Map<String, INDArray> weights,
                                Map<String, INDArray> io, INDArray input, String outputName, INDArray labels) {
        ParamStore store = ParamStore.allocate(model.parameters(), true);
        UpstreamWeights.load(weights, model, store.values(), dir.resolve("model.safetensors").toString());
        List<Comparison> out = new ArrayList<>();
        try (Tape tape = new Tape(false, true, store)) {
            Var output = model.forward(tape, input);
            out.add(compare(outputName, output.value(), require(io, outputName, dir), OUTPUT_TOLERANCE));
            Var loss = F.crossEntropy(output, labels, null);
            out.add(compare("loss", loss.value().reshape(1), require(io, "loss", dir), OUTPUT_TOLERANCE));
            tape.backward(loss, Nd4j.scalar(loss.value().dataType(), 1.0));
        }
        for (Map.Entry<String, INDArray> g : store.grads().entrySet()) {
            INDArray expected = require(io, "grad." + g.getKey(), dir);
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
        return new Result(modelType, dir, ParamStore.size(model.parameters()), out);
    }

    /** max |a − b| / (max |b| + 1e-6), the fixtures' error measure. */
    public static double relativeError(INDArray actual, INDArray expected) {
        return actualMinusExpected(actual, expected) / (maxAbs(expected) + 1e-6);
    }

    private static double actualMinusExpected(INDArray actual, INDArray expected) {
        INDArray a = actual.castTo(DataType.DOUBLE), b = expected.castTo(DataType.DOUBLE).reshape(a.shape());
        return a.sub(b).amaxNumber().doubleValue();
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

    private static Comparison compare(String name, INDArray actual, INDArray expected, double tol) {
        if (actual.length() != expected.length()) {
            throw new IllegalArgumentException(name + ": model gives " + actual.length() + " values, fixture "
                    + expected.length());
        }
        return new Comparison(name, relativeError(actual, expected), tol);
    }

    private static INDArray require(Map<String, INDArray> io, String name, Path dir) {
        INDArray a = io.get(name);
        if (a == null) {
            throw new IllegalArgumentException(dir.resolve("io.safetensors") + " has no tensor '" + name + "'");
        }
        return a;
    }

    private static Map<String, INDArray> readSafetensors(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Safetensors.read(new java.io.BufferedInputStream(in), file.toString());
        }
    }
}
