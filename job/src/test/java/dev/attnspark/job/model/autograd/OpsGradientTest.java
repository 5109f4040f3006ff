package dev.attnspark.job.model.autograd;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each op's backward pass against central finite differences, in double precision. */
class OpsGradientTest {

    @BeforeAll
    static void doubles() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void floats() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    /** Inputs by name; "p." names are parameters (gradient accumulated into views), the rest tape inputs. */
    private static void check(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f) {
        check(inputs, f, false);
    }

    /**
     * With {@code training}, dropout is on: every evaluation draws the same masks from the same seed. Backprop runs
     * twice, outside any workspace and inside one as in the model layer (where ops keep temporaries in scratch
     * workspaces), and both must match the finite differences.
     */
    private static void check(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f, boolean training) {
        INDArray weight = Nd4j.rand(DataType.DOUBLE, forward(inputs, f, training).shape()).subi(0.5);
        check(inputs, f, training, weight, backprop(inputs, f, training, weight, false));
        check(inputs, f, training, weight, backprop(inputs, f, training, weight, true));
    }

    private static INDArray forward(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f, boolean training) {
        Nd4j.getRandom().setSeed(3);
        try (Tape t = new Tape(training, false, constants(inputs))) {
            Map<String, Var> vars = new HashMap<>();
            inputs.forEach((k, v) -> vars.put(k, k.startsWith("p.") ? t.param(k) : t.constant(v)));
            return f.apply(vars).value().dup();
        }
    }

    /** The gradients of {@code sum(f · weight)} with respect to every input, by the tape. */
    private static Map<String, INDArray> backprop(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f,
                                                  boolean training, INDArray weight, boolean inWorkspace) {
        Nd4j.getRandom().setSeed(3);
        Map<String, INDArray> grads = new HashMap<>();
        inputs.forEach((k, v) -> grads.put(k, v.ulike().assign(0)));
        Tape.ParamSource src = new Tape.ParamSource() {
            public INDArray value(String name) {
                return inputs.get(name);
            }

            public boolean trainable(String name) {
                return true;
            }

            public INDArray grad(String name) {
                return grads.get(name);
            }
        };
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(0)
                .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE).build();
        try (MemoryWorkspace ws = inWorkspace ? Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "ops-test")
                : null;
             Tape t = new Tape(training, true, src)) {
            Map<String, Var> tapeInputs = new HashMap<>();
            inputs.forEach((k, v) -> tapeInputs.put(k, k.startsWith("p.") ? t.param(k) : t.input(v)));
            t.backward(f.apply(tapeInputs), weight);
            tapeInputs.forEach((k, v) -> {
                if (!k.startsWith("p.")) {
                    grads.put(k, inWorkspace ? v.grad().detach() : v.grad().dup());
                }
            });
        }
        return grads;
    }

    private static void check(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f, boolean training,
                              INDArray weight, Map<String, INDArray> grads) {
        Random rnd = new Random(5);
        double eps = 1e-6;
        for (Map.Entry<String, INDArray> in : inputs.entrySet()) {
            INDArray x = in.getValue();
            for (int k = 0; k < 12; k++) {
                long i = (long) (rnd.nextDouble() * x.length());
                double orig = x.getDouble(i);
                x.putScalar(i, orig + eps);
                double plus = loss(inputs, f, weight, training);
                x.putScalar(i, orig - eps);
                double minus = loss(inputs, f, weight, training);
                x.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * eps);
                double analytic = grads.get(in.getKey()).getDouble(i);
                double err = Math.abs(numeric - analytic) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic));
                assertTrue(err < 1e-5 || Math.abs(numeric - analytic) < 1e-9,
                        in.getKey() + "[" + i + "]: backprop " + analytic + " vs numeric " + numeric);
            }
        }
    }

    private static double loss(Map<String, INDArray> inputs, Function<Map<String, Var>, Var> f, INDArray weight,
                               boolean training) {
        return forward(inputs, f, training).mul(weight).sumNumber().doubleValue();
    }

    private static Tape.ParamSource constants(Map<String, INDArray> inputs) {
        return new Tape.ParamSource() {
            public INDArray value(String name) {
                return inputs.get(name);
            }

            public boolean trainable(String name) {
                return false;
            }

            public INDArray grad(String name) {
                return null;
            }
        };
    }

    private static INDArray randn(long... shape) {
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    @Test
    void linear() {
        check(Map.of("x", randn(2, 3, 5), "p.w", randn(4, 5), "p.b", randn(4)),
                v -> F.linear(v.get("x"), v.get("p.w"), v.get("p.b")));
    }

    @Test
    void layerNorm() {
        check(Map.of("x", randn(2, 3, 6).muli(3).addi(1), "p.g", randn(6), "p.b", randn(6)),
                v -> F.layerNorm(v.get("x"), v.get("p.g"), v.get("p.b"), 1e-5));
    }

    @Test
    void gelu() {
        check(Map.of("x", randn(3, 7).muli(2)), v -> F.gelu(v.get("x")));
    }

    @Test
    void attentionWithPaddingMask() {
        INDArray pad = Nd4j.createFromArray(new double[][] {{0, 0, 0, 1, 1}, {0, 0, 0, 0, 0}});
        check(Map.of("q", randn(2, 3, 4), "k", randn(2, 5, 4), "v", randn(2, 5, 6)),
                v -> F.attention(v.get("q"), v.get("k"), v.get("v"), 2, 0.7, pad, 0.0));
    }

    /** Right-aligned causal masking with padding, including a query whose keys are all masked (uniform, as torch). */
    @Test
    void causalAttentionWithPaddingReachingTheQueries() {
        INDArray pad = Nd4j.createFromArray(new double[][] {{1, 1, 1, 0, 0}, {0, 0, 0, 0, 0}});
        check(Map.of("q", randn(2, 3, 4), "k", randn(2, 5, 4), "v", randn(2, 5, 6)),
                v -> F.attention(v.get("q"), v.get("k"), v.get("v"), 2, 0.7, pad, true, 0.0));
    }

    /** Rotary embedding of half of each head's channels, per-example angles. */
    @Test
    void rotaryEmbeddingOfPartOfEachHead() {
        INDArray angles = Nd4j.rand(DataType.DOUBLE, 2, 3, 2).muli(6);
        INDArray cos = org.nd4j.linalg.ops.transforms.Transforms.cos(angles, true);
        INDArray sin = org.nd4j.linalg.ops.transforms.Transforms.sin(angles, true);
        check(Map.of("x", randn(2, 3, 8)), v -> F.rotary(v.get("x"), 2, cos, sin));
        INDArray all = Nd4j.rand(DataType.DOUBLE, 2, 3, 4).muli(6);
        check(Map.of("x", randn(2, 3, 8)), v -> F.rotary(v.get("x"), 2,
                org.nd4j.linalg.ops.transforms.Transforms.cos(all, true),
                org.nd4j.linalg.ops.transforms.Transforms.sin(all, true)));
    }

    /** Hugging Face's layout: channel i turns with i + R/2 (Persimmon, Fuyu). */
    @Test
    void rotaryEmbeddingInHalves() {
        INDArray angles = Nd4j.rand(DataType.DOUBLE, 2, 3, 2).muli(6);
        INDArray cos = org.nd4j.linalg.ops.transforms.Transforms.cos(angles, true);
        INDArray sin = org.nd4j.linalg.ops.transforms.Transforms.sin(angles, true);
        check(Map.of("x", randn(2, 3, 8)), v -> F.rotary(v.get("x"), 2, cos, sin, true));
    }

    @Test
    void squaredRelu() {
        check(Map.of("x", randn(3, 7).muli(2)), v -> F.squaredRelu(v.get("x")));
    }

    /** Fuyu's patch embeddings in place of image tokens: example 0 fills two of three rows, example 1 none. */
    @Test
    void replacedRowsTakeTheirGradientFromTheReplacement() {
        int[][] positions = {{1, 3}, {}};
        check(Map.of("x", randn(2, 4, 3), "p.w", randn(3, 5)), v -> F.gelu(F.replaceRows(v.get("x"), positions,
                F.linear(v.get("x").tape().constant(randn(2, 3, 5)), v.get("p.w"), null))));
    }

    /** Prefix dropout's gather of kept positions per example. */
    @Test
    void pickedPositions() {
        int[][] keep = {{0, 2, 3}, {1, 3, 4}};
        check(Map.of("x", randn(2, 5, 3)), v -> F.pickPositions(v.get("x"), keep));
    }

    @Test
    void attentionDropoutBackwardUsesTheForwardWeights() {
        INDArray pad = Nd4j.createFromArray(new double[][] {{0, 0, 0, 1, 1}, {0, 0, 0, 0, 0}});
        check(Map.of("q", randn(2, 3, 4), "k", randn(2, 5, 4), "v", randn(2, 5, 6)),
                v -> F.attention(v.get("q"), v.get("k"), v.get("v"), 2, 0.7, pad, 0.3), true);
    }

    @Test
    void layerNormOfAProjectionWithoutInputGradient() {
        check(Map.of("p.w", randn(5, 4), "p.g", randn(5), "p.b", randn(5)),
                v -> F.gelu(F.layerNorm(F.linear(v.get("p.w").tape().constant(randn(2, 3, 4)), v.get("p.w"), null),
                        v.get("p.g"), v.get("p.b"), 1e-5)));
    }

    @Test
    void sharedParameterAccumulatesOverUses() {
        check(Map.of("x", randn(2, 3, 4), "p.w", randn(4, 4)), v -> {
            Var h = F.linear(v.get("x"), v.get("p.w"), null);
            return F.add(F.linear(F.gelu(h), v.get("p.w"), null), h);
        });
    }

    @Test
    void expandBatchAndReshape() {
        check(Map.of("p.q", randn(3, 4)), v -> F.reshape(F.gelu(F.expandBatch(v.get("p.q"), 2)), 2, 12));
    }

    @Test
    void gatherRowsAddsRepeatedIdsGradients() {
        INDArray ids = Nd4j.createFromArray(new long[][] {{3, 1, 3}, {0, 3, 4}}); // id 3 three times
        check(Map.of("p.table", randn(5, 4)), v -> F.gelu(F.gatherRows(v.get("p.table"), ids)));
        check(Map.of("table", randn(5, 4)), v -> F.gelu(F.gatherRows(v.get("table"), ids)));
    }

    @Test
    void sliceAndConcat() {
        check(Map.of("a", randn(2, 5, 3), "p.b", randn(2, 2, 3)), v -> F.gelu(F.concat(1,
                F.slice(v.get("a"), 1, 1, 4), v.get("p.b"), F.slice(v.get("a"), 1, 0, 1))));
    }

    @Test
    void dropoutBackwardUsesTheForwardMask() {
        check(Map.of("x", randn(4, 6), "p.w", randn(3, 6)),
                v -> F.linear(F.dropout(F.gelu(v.get("x")), 0.4), v.get("p.w"), null), true);
    }
}
