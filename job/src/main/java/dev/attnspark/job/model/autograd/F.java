package dev.attnspark.job.model.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.random.impl.BernoulliDistribution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * The differentiable operations the models are built from, each with its hand-written backward pass. Semantics
 * follow PyTorch exactly where the upstream models depend on it: {@code nn.Linear} weights are [out, in],
 * {@code nn.LayerNorm} uses the biased variance with eps inside the square root, {@code nn.GELU} is the exact erf
 * form, and masked attention logits are filled with the most negative finite float.
 */
public final class F {
    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    /** PyTorch's {@code -torch.finfo(float32).max}, the fill value of masked attention logits. */
    public static final double MASK_FILL = -Float.MAX_VALUE;

    private F() {}

    /**
     * {@code y = x Wᵀ + b} over the last dimension; {@code w} is [out, in], {@code b} is [out] or null. A weight
     * stored in another type than x (a frozen base kept in BF16) is cast for each product into memory freed right
     * after it, so a step never holds a float32 copy of the model.
     */
    public static Var linear(Var x, Var w, Var b) {
        Tape t = x.tape();
        long in = w.size(1), out = w.size(0);
        checkLast(x, in, "linear");
        INDArray x2 = as2d(x.value, in);
        INDArray y2 = t.own(Nd4j.createUninitialized(x.value.dataType(), x2.rows(), out));
        try (Cast wc = Cast.of(w.value, x.value.dataType())) {
            Nd4j.gemm(x2, wc.value, y2, false, true, 1.0, 0.0);
        }
        if (b != null) {
            y2.addiRowVector(inType(b.value, y2.dataType()));
        }
        long[] shape = withLast(x.shape(), out);
        Var[] r = new Var[1];
        r[0] = t.result(y2.reshape(shape), () -> {
            INDArray dy2 = as2d(r[0].grad, out);
            if (x.requiresGrad) {
                INDArray dx2 = Nd4j.createUninitialized(dy2.dataType(), dy2.rows(), in);
                try (Cast wc = Cast.of(w.value, dy2.dataType())) {
                    Nd4j.gemm(dy2, wc.value, dx2, false, false, 1.0, 0.0);
                }
                Tape.accumulate(x, dx2.reshape(x.shape()));
            }
            if (w.requiresGrad) {
                Nd4j.gemm(dy2, x2, Tape.gradBuffer(w), true, false, 1.0, 1.0);
            }
            if (b != null && b.requiresGrad) {
                addColumnSums(dy2, Tape.gradBuffer(b));
            }
        }, x, w, b);
        return r[0];
    }

    /** {@code x · factor} (LoRA's {@code alpha / r}). */
    public static Var scale(Var x, double factor) {
        Tape t = x.tape();
        Var[] r = new Var[1];
        r[0] = t.result(x.value.mul(factor), () -> Tape.accumulate(x, r[0].grad.mul(factor)), x);
        return r[0];
    }

    /** A small array (a bias, a LayerNorm gain) in {@code type}: itself, or a cast copy in the current memory. */
    private static INDArray inType(INDArray a, DataType type) {
        return a.dataType() == type ? a : a.castTo(type);
    }

    /**
     * A large array in a compute type for one use: itself, or a copy made outside any workspace and freed when
     * closed (a workspace keeps what is allocated in it until the step ends).
     */
    private record Cast(INDArray value, boolean copied) implements AutoCloseable {
        static Cast of(INDArray a, DataType type) {
            if (a.dataType() == type) {
                return new Cast(a, false);
            }
            try (var ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return new Cast(a.castTo(type), true);
            }
        }

        @Override
        public void close() {
            if (copied) {
                value.close();
            }
        }
    }

    /**
     * Layer normalization over the last dimension (PyTorch {@code nn.LayerNorm}, biased variance). Keeps only the
     * output and the per-row mean and reciprocal deviation: backward recomputes the normalized input from {@code x}
     * (which the tape holds anyway) in its scratch space, so a step stores one input-sized array here, not three.
     */
    public static Var layerNorm(Var x, Var gain, Var bias, double eps) {
        Tape t = x.tape();
        long c = x.size(x.value.rank() - 1);
        INDArray x2 = as2d(x.value, c);
        INDArray mean = t.own(x2.mean(1));
        INDArray rstd = t.own(Transforms.pow(x2.var(false, 1).addi(eps), -0.5, false));
        INDArray y2 = t.own(normalized(x2, mean, rstd)).muliRowVector(inType(gain.value, x2.dataType()));
        if (bias != null) {
            y2.addiRowVector(inType(bias.value, x2.dataType()));
        }
        Var[] r = new Var[1];
        r[0] = t.result(y2.reshape(x.shape()), () -> {
            INDArray dy2 = as2d(r[0].grad, c);
            INDArray xhat = normalized(x2, mean, rstd);
            if (gain.requiresGrad) {
                addColumnSums(dy2.mul(xhat), Tape.gradBuffer(gain));
            }
            if (bias != null && bias.requiresGrad) {
                addColumnSums(dy2, Tape.gradBuffer(bias));
            }
            if (x.requiresGrad) {
                INDArray dxhat = dy2.mulRowVector(inType(gain.value, dy2.dataType()));
                INDArray a = dxhat.mean(1);
                INDArray bb = dxhat.mul(xhat).mean(1);
                dxhat.subiColumnVector(a).subi(xhat.muliColumnVector(bb)).muliColumnVector(rstd);
                Tape.accumulate(x, dxhat.reshape(x.shape()));
            }
        }, x, gain, bias);
        return r[0];
    }

    /** {@code (x - mean) · rstd} per row, a new array. */
    private static INDArray normalized(INDArray x2, INDArray mean, INDArray rstd) {
        return x2.subColumnVector(mean).muliColumnVector(rstd);
    }

    /**
     * PyTorch's default {@code nn.GELU()}: {@code 0.5 x (1 + erf(x / sqrt 2))}. Only the output is stored; backward
     * recomputes {@code erf} from {@code x}.
     */
    public static Var gelu(Var x) {
        Tape t = x.tape();
        INDArray y = t.own(erfHalf(x.value)).addi(1.0).muli(x.value).muli(0.5);
        Var[] r = new Var[1];
        r[0] = t.result(y, () -> {
            // d/dx = 0.5 (1 + erf(x/√2)) + x φ(x), φ the standard normal density
            INDArray pdf = Transforms.exp(x.value.mul(x.value).muli(-0.5), false).muli(INV_SQRT_2PI).muli(x.value);
            INDArray d = erfHalf(x.value).addi(1.0).muli(0.5).addi(pdf).muli(r[0].grad);
            Tape.accumulate(x, d);
        }, x);
        return r[0];
    }

    /** {@code erf(x / sqrt 2)}, a new array. */
    private static INDArray erfHalf(INDArray x) {
        INDArray a = x.mul(SQRT_HALF);
        return Nd4j.exec(new Erf(a, a));
    }

    /** Squared ReLU ({@code relu2} of Hugging Face's {@code ACT2FN}, Primer's activation): {@code max(x, 0)²}. */
    public static Var squaredRelu(Var x) {
        Tape t = x.tape();
        INDArray relu = Transforms.relu(x.value, true);
        INDArray y = t.own(relu.mul(relu));
        Var[] r = new Var[1];
        r[0] = t.result(y, () -> Tape.accumulate(x, Transforms.relu(x.value, true).muli(2.0).muli(r[0].grad)), x);
        return r[0];
    }

    /**
     * x [B, T, C] with, in example b, the rows at {@code positions[b][k]} replaced by {@code rows[b, k]} ([B, P, C],
     * k below {@code positions[b].length <= P}): Fuyu's image-patch embeddings taking the place of the image tokens'
     * embeddings ({@code masked_scatter}). Backward: the replaced rows pass their gradient to {@code rows}, the others
     * to x.
     */
    public static Var replaceRows(Var x, int[][] positions, Var rows) {
        Tape t = x.tape();
        long b = x.size(0), l = x.size(1), c = x.size(2), p = rows.size(1);
        if (rows.size(0) != b || rows.size(2) != c || positions.length != b) {
            throw new IllegalArgumentException("replaceRows: rows " + Arrays.toString(rows.shape()) + " do not fit "
                    + Arrays.toString(x.shape()) + " with " + positions.length + " examples");
        }
        int n = Arrays.stream(positions).mapToInt(a -> a.length).sum();
        int[] dst = new int[n], src = new int[n];
        for (int e = 0, i = 0; e < b; e++) {
            if (positions[e].length > p) {
                throw new IllegalArgumentException("replaceRows: example " + e + " has " + positions[e].length
                        + " positions to fill and " + p + " rows");
            }
            for (int k = 0; k < positions[e].length; k++, i++) {
                dst[i] = (int) (e * l + positions[e][k]);
                src[i] = (int) (e * p + k);
            }
        }
        INDArray dstIdx = Nd4j.createFromArray(dst), srcIdx = Nd4j.createFromArray(src);
        INDArray y = t.own(contiguous(x.value).dup('c'));
        if (n > 0) {
            INDArray picked = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(
                    contiguous(rows.value).reshape('c', b * p, c), srcIdx, 0))[0];
            setRows(y.reshape('c', b * l, c), dstIdx, picked);
        }
        Var[] r = new Var[1];
        r[0] = t.result(y, () -> {
            INDArray g = contiguous(r[0].grad).reshape('c', b * l, c);
            INDArray gRows = n == 0 ? null : Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(g, dstIdx, 0))[0];
            if (rows.requiresGrad) {
                INDArray d = Nd4j.zeros(rows.value.dataType(), b * p, c);
                if (n > 0) {
                    setRows(d, srcIdx, gRows);
                }
                Tape.accumulate(rows, d.reshape('c', rows.shape()));
            }
            if (x.requiresGrad) {
                INDArray d = g.dup('c');
                if (n > 0) {
                    setRows(d, dstIdx, Nd4j.zeros(d.dataType(), n, c));
                }
                Tape.accumulate(x, d.reshape('c', x.shape()));
            }
        }, x, rows);
        return r[0];
    }

    /** {@code target[idx[i]] = rows[i]}, in place. */
    private static void setRows(INDArray target, INDArray idx, INDArray rows) {
        Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder("scatter_upd").addInputs(target, idx, rows)
                .addOutputs(target).build());
    }

    /** Elementwise sum of two arrays of the same shape (residual connections). */
    public static Var add(Var a, Var b) {
        Tape t = a.tape();
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("add: shapes differ " + Arrays.toString(a.shape()) + " vs "
                    + Arrays.toString(b.shape()));
        }
        Var[] r = new Var[1];
        r[0] = t.result(a.value.add(b.value), () -> {
            if (a.requiresGrad) {
                Tape.accumulate(a, r[0].grad.dup());
            }
            if (b.requiresGrad) {
                Tape.accumulate(b, r[0].grad.dup());
            }
        }, a, b);
        return r[0];
    }

    /** Repeats a [N, C] array for every example of a batch: [B, N, C]. Backward sums over the batch. */
    public static Var expandBatch(Var x, long batch) {
        Tape t = x.tape();
        long[] s = x.shape();
        long[] shape = new long[s.length + 1];
        shape[0] = batch;
        System.arraycopy(s, 0, shape, 1, s.length);
        INDArray y = x.value.reshape(prepend1(s)).broadcast(shape).dup('c');
        Var[] r = new Var[1];
        r[0] = t.result(y, () -> Tape.accumulate(x, r[0].grad.sum(0)), x);
        return r[0];
    }

    /** A reshaped view (row-major), as {@code torch.reshape}. */
    public static Var reshape(Var x, long... shape) {
        Tape t = x.tape();
        Var[] r = new Var[1];
        r[0] = t.result(contiguous(x.value).reshape('c', shape),
                () -> Tape.accumulate(x, r[0].grad.reshape('c', x.shape()).dup()), x);
        return r[0];
    }

    /**
     * Rows of a [N, C] table at integer {@code rows} of any shape S: [S..., C], as {@code nn.Embedding} or
     * {@code table[rows]}. The backward pass adds each output row's gradient into its table row (a scatter-add:
     * repeated ids add up), so a token embedding costs no [tokens, vocabulary] one-hot matrix.
     */
    public static Var gatherRows(Var table, INDArray rows) {
        Tape t = table.tape();
        long n = table.size(0), c = table.size(1);
        INDArray idx = rows.reshape('c', new long[] {rows.length()}).castTo(DataType.INT);
        if (idx.length() > 0 && (idx.minNumber().longValue() < 0 || idx.maxNumber().longValue() >= n)) {
            throw new IllegalArgumentException("gatherRows: ids must be in [0, " + n + "), got "
                    + idx.minNumber() + ".." + idx.maxNumber());
        }
        INDArray y = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(table.value, idx, 0))[0];
        if (table.value.dataType() == DataType.BFLOAT16 || table.value.dataType() == DataType.HALF) {
            y = y.castTo(DataType.FLOAT); // a frozen table kept in 16 bits: only the rows are cast
        }
        Var[] r = new Var[1];
        r[0] = t.result(y.reshape('c', withLast(append(rows.shape(), 1), c)), () -> {
            if (table.requiresGrad) {
                INDArray dy = contiguous(r[0].grad).reshape('c', idx.length(), c);
                INDArray target = Tape.gradBuffer(table);
                var add = new org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd(target, idx, dy);
                add.addOutputArgument(target); // in place, into the parameter's gradient view
                Nd4j.exec(add);
            }
        }, table);
        return r[0];
    }

    /** {@code x[..., from:to, ...]} along {@code dim} (a copy). Backward puts the gradient into that range. */
    public static Var slice(Var x, int dim, long from, long to) {
        Tape t = x.tape();
        org.nd4j.linalg.indexing.INDArrayIndex[] at = range(x.shape(), dim, from, to);
        Var[] r = new Var[1];
        r[0] = t.result(x.value.get(at).dup('c'), () -> {
            INDArray d = Nd4j.zeros(x.value.dataType(), x.shape());
            d.get(at).assign(r[0].grad);
            Tape.accumulate(x, d);
        }, x);
        return r[0];
    }

    /** The inputs joined along {@code dim}, as {@code torch.cat}. Backward hands each input its part. */
    public static Var concat(int dim, Var... xs) {
        Tape t = xs[0].tape();
        INDArray[] values = new INDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            values[i] = xs[i].value;
        }
        Var[] r = new Var[1];
        r[0] = t.result(Nd4j.concat(dim, values), () -> {
            long from = 0;
            for (Var x : xs) {
                long to = from + x.size(dim);
                if (x.requiresGrad) {
                    Tape.accumulate(x, r[0].grad.get(range(r[0].shape(), dim, from, to)).dup('c'));
                }
                from = to;
            }
        }, xs);
        return r[0];
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] range(long[] shape, int dim, long from, long to) {
        if (from < 0 || to > shape[dim] || from >= to) {
            throw new IllegalArgumentException("slice " + from + ":" + to + " of dimension " + dim + " of "
                    + Arrays.toString(shape));
        }
        org.nd4j.linalg.indexing.INDArrayIndex[] at = new org.nd4j.linalg.indexing.INDArrayIndex[shape.length];
        for (int i = 0; i < shape.length; i++) {
            at[i] = i == dim ? org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)
                    : org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return at;
    }

    private static long[] append(long[] s, long last) {
        long[] r = Arrays.copyOf(s, s.length + 1);
        r[s.length] = last;
        return r;
    }

    /** Inverted dropout with drop probability {@code p}; the identity outside training or when p is 0. */
    public static Var dropout(Var x, double p) {
        Tape t = x.tape();
        if (!t.training() || p <= 0) {
            return x;
        }
        INDArray keep = t.own(dropoutMask(x.value, p));
        Var[] r = new Var[1];
        r[0] = t.result(x.value.mul(keep), () -> Tape.accumulate(x, r[0].grad.mul(keep)), x);
        return r[0];
    }

    /**
     * Scaled dot-product attention per head: {@code softmax(scale · q kᵀ, masked) · v}.
     *
     * @param q       [B, N, H·Cqk] projected queries
     * @param k       [B, L, H·Cqk] projected keys
     * @param v       [B, L, H·Cv] projected values
     * @param heads   number of heads H
     * @param scale   logit scale, {@code (Cqk)^-0.5} in perceiver-io
     * @param keyPad  [B, L], 1 where the key is padding (masked out), or null
     * @param dropout drop probability of attention weights (training only)
     * @return [B, N, H·Cv] the heads' outputs concatenated
     */
    public static Var attention(Var q, Var k, Var v, int heads, double scale, INDArray keyPad, double dropout) {
        return attention(q, k, v, heads, scale, keyPad, false, dropout);
    }

    /**
     * {@link #attention(Var, Var, Var, int, double, INDArray, double)}, optionally causal as perceiver-io's
     * {@code causal_attention}: queries and keys right-aligned, so query {@code i} of N sees the keys up to
     * {@code L - N + i} (all of a Perceiver AR prefix, and the latents up to itself).
     */
    public static Var attention(Var q, Var k, Var v, int heads, double scale, INDArray keyPad, boolean causal,
                                double dropout) {
        Tape t = q.tape();
        long b = q.size(0), n = q.size(1), l = k.size(1);
        long cv = v.size(2) / heads;
        if (causal && n > l) {
            throw new IllegalArgumentException("causal attention needs at most as many queries (" + n + ") as keys ("
                    + l + ")");
        }
        INDArray q4 = heads(q.value, heads);
        INDArray k4 = heads(k.value, heads);
        INDArray v4 = heads(v.value, heads);

        INDArray logits = t.own(Nd4j.matmul(q4, k4, false, true, false)).muli(scale);
        INDArray masked = keyPad == null ? null : keyPad.castTo(logits.dataType()).reshape(b, 1, 1, l);
        if (causal) {
            INDArray future = causalMask(logits.dataType(), n, l);
            masked = masked == null ? future : Transforms.max(masked.broadcast(b, 1, n, l), future.broadcast(b, 1, n,
                    l), false);
        }
        INDArray unmasked = null;
        if (masked != null) {
            // masked_fill with the most negative float: one fill per position even where both masks apply
            logits.muli(masked.rsub(1.0)).addi(masked.mul(MASK_FILL));
            INDArray allMasked = masked.min(true, 3);
            if (allMasked.maxNumber().doubleValue() > 0) {
                // a query whose keys are all masked (a left-padded latent): PyTorch's softmax of equal fills is
                // uniform, ND4J's is NaN, so such rows become equal zeros; and, as through masked_fill, no gradient
                // reaches their logits
                logits.muli(allMasked.rsub(1.0));
                unmasked = t.own(masked.rsub(1.0));
            }
        }
        // softmax in place: backward needs the probabilities, not the logits; with dropout the weights probs ⊙ keep
        // are made again where needed instead of being stored
        INDArray probs = Nd4j.exec(new SoftMax(logits, logits, 3))[0];
        INDArray gradMask = unmasked;
        INDArray keep = t.training() && dropout > 0 ? t.own(dropoutMask(probs, dropout)) : null;
        INDArray out = t.own(Nd4j.createUninitialized(v.value.dataType(), b, n, heads * cv));
        // heads() of a fresh row-major array is a view of it: the product lands in the merged [B, N, H·Cv] layout
        t.scratch(() -> Nd4j.matmul(weights(probs, keep), v4, heads(out, heads), false, false, false));

        Var[] r = new Var[1];
        r[0] = t.result(out, () -> {
            INDArray dO4 = heads(contiguous(r[0].grad), heads);
            if (v.requiresGrad) {
                Tape.accumulate(v, mergeHeads(Nd4j.matmul(weights(probs, keep), dO4, true, false, false)));
            }
            if (!q.requiresGrad && !k.requiresGrad) {
                return;
            }
            INDArray dW = Nd4j.matmul(dO4, v4, false, true, false);
            if (keep != null) {
                dW.muli(keep);
            }
            // softmax backward: dS = P ⊙ (dP − Σ_j dP⊙P); masked positions have P = 0 and get no gradient
            INDArray dot = dW.mul(probs).sum(true, 3);
            INDArray dS = dW.subi(dot).muli(probs).muli(scale);
            if (gradMask != null) {
                dS.muli(gradMask);
            }
            if (q.requiresGrad) {
                Tape.accumulate(q, mergeHeads(Nd4j.matmul(dS, k4, false, false, false)));
            }
            if (k.requiresGrad) {
                Tape.accumulate(k, mergeHeads(Nd4j.matmul(dS, q4, true, false, false)));
            }
        }, q, k, v);
        return r[0];
    }

    /**
     * Mean softmax cross-entropy of {@code logits} against integer {@code labels} ({@code -100}: ignored), as
     * {@code F.cross_entropy}; a scalar var. The scores of the batch are in {@code scored}, if not null.
     */
    public static Var crossEntropy(Var logits, INDArray labels, Losses.CrossEntropy[] scored) {
        Tape t = logits.tape();
        Losses.CrossEntropy ce = Losses.crossEntropy(logits.value, labels, logits.requiresGrad);
        if (scored != null) {
            scored[0] = ce;
        }
        if (ce.dMean() != null) {
            t.own(ce.dMean());
        }
        Var[] r = new Var[1];
        r[0] = t.result(Nd4j.scalar(logits.value.dataType(), ce.mean()), () ->
                Tape.accumulate(logits, ce.dMean().mul(r[0].grad.getDouble(0))), logits);
        return r[0];
    }

    /** [1, 1, N, L], 1 where right-aligned query i may not see key j ({@code j > L - N + i}), as {@code triu}. */
    private static INDArray causalMask(DataType type, long n, long l) {
        float[] m = new float[(int) (n * l)];
        for (int i = 0; i < n; i++) {
            for (long j = l - n + i + 1; j < l; j++) {
                m[(int) (i * l + j)] = 1f;
            }
        }
        return Nd4j.create(m, new long[] {1, 1, n, l}, 'c').castTo(type);
    }

    /**
     * Rotary position embedding (arXiv:2104.09864) as perceiver-io's {@code RotaryPositionEmbedding.rotate}, per head
     * of x [B, N, H·C]: its first R channels become {@code x·cos + rotate_half(x)·sin}, where {@code rotate_half} turns
     * each channel pair {@code (x1, x2)} into {@code (-x2, x1)}; the other C - R pass unchanged. Backward applies the
     * transposed rotation, {@code dy·cos - rotate_half(dy·sin)}.
     *
     * @param cos [B, N, R] cosines of the angles of each position and rotated channel (R even, at most C)
     * @param sin [B, N, R] their sines
     */
    public static Var rotary(Var x, int heads, INDArray cos, INDArray sin) {
        return rotary(x, heads, cos, sin, false);
    }

    /**
     * As {@link #rotary(Var, int, INDArray, INDArray)}; with {@code halves} the pairs are channels (i, i + R/2), as
     * Hugging Face's {@code rotate_half}, instead of neighbours.
     */
    public static Var rotary(Var x, int heads, INDArray cos, INDArray sin, boolean halves) {
        Tape t = x.tape();
        long b = x.size(0), n = x.size(1), c = x.size(2) / heads, rot = cos.size(2);
        if (cos.rank() != 3 || cos.size(0) != b || cos.size(1) != n || rot > c || rot % 2 != 0
                || !Arrays.equals(cos.shape(), sin.shape())) {
            throw new IllegalArgumentException("rotary: angles " + Arrays.toString(cos.shape()) + " do not fit "
                    + Arrays.toString(x.shape()) + " with " + heads + " heads");
        }
        INDArray cos4 = inType(cos, x.value.dataType()).reshape(b, n, 1, rot);
        INDArray sin4 = inType(sin, x.value.dataType()).reshape(b, n, 1, rot);
        java.util.function.UnaryOperator<INDArray> turn = halves ? F::rotateHalves : F::rotateHalf;
        INDArray y = t.own(rotateHeads(x.value, heads, rot, xr -> xr.mul(cos4).addi(turn.apply(xr).muli(sin4))));
        Var[] r = new Var[1];
        r[0] = t.result(y, () -> Tape.accumulate(x, rotateHeads(r[0].grad, heads, rot,
                dr -> dr.mul(cos4).subi(turn.apply(dr.mul(sin4)))).reshape(x.shape())), x);
        return r[0];
    }

    /** A copy of x [B, N, H·C] whose first {@code rot} channels per head are {@code f} of them ([B, N, H, rot]). */
    private static INDArray rotateHeads(INDArray x, int heads, long rot,
                                        java.util.function.UnaryOperator<INDArray> f) {
        long b = x.size(0), n = x.size(1), c = x.size(2) / heads;
        INDArray y = x.dup('c');
        INDArray y4 = y.reshape('c', b, n, heads, c);
        org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        INDArray part = rot == c ? y4 : y4.get(all, all, all, org.nd4j.linalg.indexing.NDArrayIndex.interval(0, rot));
        part.assign(f.apply(part.dup('c')));
        return y;
    }

    /** {@code (x1, x2, x3, x4, ...) -> (-x2, x1, -x4, x3, ...)} over the last dimension, a new array. */
    private static INDArray rotateHalf(INDArray x) {
        long c = x.size(x.rank() - 1);
        INDArray pairs = contiguous(x).reshape('c', x.length() / c, c / 2, 2);
        INDArray out = Nd4j.createUninitialized(x.dataType(), pairs.shape());
        org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        out.get(all, all, org.nd4j.linalg.indexing.NDArrayIndex.point(0))
                .assign(pairs.get(all, all, org.nd4j.linalg.indexing.NDArrayIndex.point(1)).neg());
        out.get(all, all, org.nd4j.linalg.indexing.NDArrayIndex.point(1))
                .assign(pairs.get(all, all, org.nd4j.linalg.indexing.NDArrayIndex.point(0)));
        return out.reshape('c', x.shape());
    }

    /** {@code (x1, x2) -> (-x2, x1)} of the two halves of the last dimension, a new array. */
    private static INDArray rotateHalves(INDArray x) {
        int last = x.rank() - 1;
        long c = x.size(last);
        INDArray first = x.get(range(x.shape(), last, 0, c / 2));
        INDArray second = x.get(range(x.shape(), last, c / 2, c));
        return Nd4j.concat(last, second.neg(), first.dup('c'));
    }

    /** A part of a model, run on the tape it is given: {@code (tape, inputs) -> output}. */
    @FunctionalInterface
    public interface Block {
        Var apply(Tape tape, Var... inputs);
    }

    /**
     * Activation checkpointing ({@code torch.utils.checkpoint}, perceiver-io's {@code activation_checkpointing}): runs
     * {@code block} forward without recording, in the scratch workspace, and keeps only its output; backward runs it
     * again on a recording tape of its own and back-propagates through it, into the inputs and the parameters.
     * Dropout draws the same masks both times (the generator's state is kept and restored for the recomputation, as
     * torch's checkpoint does), so gradients are those of the plain block; peak memory holds one block's activations instead of every block's.
     */
    public static Var checkpoint(Block block, Var... inputs) {
        Tape t = inputs[0].tape();
        if (!t.recording()) {
            return block.apply(t, inputs);
        }
        // as torch's checkpoint: the generator's state before the block, restored for the recomputation
        long root = Nd4j.getRandom().rootState(), node = Nd4j.getRandom().nodeState();
        INDArray[] values = new INDArray[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            values[i] = inputs[i].value;
        }
        INDArray[] out = new INDArray[1];
        t.scratch(() -> {
            try (Tape plain = new Tape(t.training(), false, t.params())) {
                Var[] in = new Var[values.length];
                for (int i = 0; i < values.length; i++) {
                    in[i] = plain.constant(values[i]);
                }
                INDArray y = block.apply(plain, in).value;
                try (MemoryWorkspaceScope outside = new MemoryWorkspaceScope()) {
                    out[0] = y.dup('c');
                }
            }
        });
        Var[] r = new Var[1];
        r[0] = t.resultOfParameters(out[0], () -> {
            long root2 = Nd4j.getRandom().rootState(), node2 = Nd4j.getRandom().nodeState();
            Nd4j.getRandom().setStates(root, node);
            try (Tape again = new Tape(t.training(), true, t.params())) {
                Var[] in = new Var[values.length];
                for (int i = 0; i < values.length; i++) {
                    in[i] = inputs[i].requiresGrad ? again.input(values[i]) : again.constant(values[i]);
                }
                Var y = block.apply(again, in);
                again.backwardNested(y, r[0].grad);
                for (int i = 0; i < inputs.length; i++) {
                    if (inputs[i].requiresGrad && in[i].grad != null) {
                        Tape.accumulate(inputs[i], in[i].grad.dup());
                    }
                }
            } finally {
                Nd4j.getRandom().setStates(root2, node2);
            }
        });
        return r[0];
    }

    /** Leaves the scratch workspace for the enclosing one while open (a result that must outlive the scratch). */
    private static final class MemoryWorkspaceScope implements AutoCloseable {
        private final org.nd4j.linalg.api.memory.MemoryWorkspace borrowed;

        MemoryWorkspaceScope() {
            org.nd4j.linalg.api.memory.MemoryWorkspace current = Nd4j.getMemoryManager().getCurrentWorkspace();
            this.borrowed = current == null ? null : Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        }

        @Override
        public void close() {
            if (borrowed != null) {
                borrowed.close();
            }
        }
    }

    /**
     * Positions of a [B, L, C] sequence picked per example: [B, K, C] with row {@code (b, i)} =
     * {@code x[b, positions[b][i]]}, as {@code x[keep_mask]} of perceiver-io's prefix dropout. Backward adds each
     * row's gradient back at its position.
     */
    public static Var pickPositions(Var x, int[][] positions) {
        long b = x.size(0), l = x.size(1), c = x.size(2);
        int[] rows = pickedRows(positions, b, l);
        float[] ids = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            ids[i] = rows[i];
        }
        return gatherRows(reshape(x, b * l, c), Nd4j.create(ids, new long[] {b, positions[0].length}, 'c'));
    }

    /**
     * {@link #pickPositions} of a constant: [B, L, ...] to [B, K, ...] (position encodings, pad masks of the kept
     * positions).
     */
    public static INDArray pickPositions(INDArray a, int[][] positions) {
        long b = a.size(0), l = a.size(1);
        long[] shape = a.shape().clone();
        long rest = a.length() / (b * l);
        INDArray idx = Nd4j.createFromArray(pickedRows(positions, b, l));
        INDArray flat = contiguous(a).reshape('c', b * l, rest);
        shape[1] = positions[0].length;
        return Nd4j.exec(new org.nd4j.linalg.api.ops.impl.shape.Gather(flat, idx, 0))[0].reshape('c', shape);
    }

    /** Row {@code e · L + positions[e][i]} of a [B·L, ...] view for every kept position, checked. */
    private static int[] pickedRows(int[][] positions, long b, long l) {
        if (positions.length != b) {
            throw new IllegalArgumentException("pickPositions: " + positions.length + " rows for a batch of " + b);
        }
        int k = positions[0].length;
        int[] rows = new int[(int) (b * k)];
        for (int e = 0; e < b; e++) {
            if (positions[e].length != k) {
                throw new IllegalArgumentException("pickPositions: every example must keep " + k + " positions");
            }
            for (int i = 0; i < k; i++) {
                if (positions[e][i] < 0 || positions[e][i] >= l) {
                    throw new IllegalArgumentException("pickPositions: position " + positions[e][i] + " of " + l);
                }
                rows[e * k + i] = (int) (e * l + positions[e][i]);
            }
        }
        return rows;
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * {@code target += Σ_rows m} for a row-major [rows, n] matrix, as a BLAS product with a ones vector: ND4J's
     * reduction along dimension 0 of a tall matrix is several times slower.
     */
    static void addColumnSums(INDArray m, INDArray target) {
        INDArray ones = Nd4j.ones(m.dataType(), 1, m.rows());
        Nd4j.gemm(ones, m, target.reshape('c', 1, m.columns()), false, false, 1.0, 1.0);
    }

    /** [B, N, H·C] → [B, H, N, C] (a strided view; with one head a plain reshape, no copy later). */
    static INDArray heads(INDArray x, int heads) {
        long b = x.size(0), n = x.size(1), c = x.size(2) / heads;
        if (heads == 1) {
            return contiguous(x).reshape('c', b, 1, n, c);
        }
        return contiguous(x).reshape('c', b, n, heads, c).permute(0, 2, 1, 3);
    }

    /** Attention weights after dropout: the probabilities, or {@code probs ⊙ keep} as a new array. */
    private static INDArray weights(INDArray probs, INDArray keep) {
        return keep == null ? probs : probs.mul(keep);
    }

    /** [B, H, N, C] → [B, N, H·C] (row-major; with one head a reshape of the same data). */
    static INDArray mergeHeads(INDArray x4) {
        long b = x4.size(0), h = x4.size(1), n = x4.size(2), c = x4.size(3);
        if (h == 1) {
            return contiguous(x4).reshape('c', b, n, c);
        }
        return x4.permute(0, 2, 1, 3).dup('c').reshape('c', b, n, h * c);
    }

    /** Keep-mask of inverted dropout: 0 with probability p, else 1/(1-p). */
    static INDArray dropoutMask(INDArray like, double p) {
        INDArray m = Nd4j.createUninitialized(like.dataType(), like.shape());
        Nd4j.getExecutioner().exec(new BernoulliDistribution(m, 1.0 - p));
        return m.muli(1.0 / (1.0 - p));
    }

    /** A row-major 2-D view [rows, last] of x (a copy only if x is not row-major contiguous). */
    static INDArray as2d(INDArray x, long last) {
        return contiguous(x).reshape('c', x.length() / last, last);
    }

    static INDArray contiguous(INDArray x) {
        return x.ordering() == 'c' && !x.isView() || isContiguousC(x) ? x : x.dup('c');
    }

    private static boolean isContiguousC(INDArray x) {
        if (x.ordering() != 'c') {
            return false;
        }
        long[] shape = x.shape(), stride = x.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static long[] withLast(long[] shape, long last) {
        long[] s = shape.clone();
        s[s.length - 1] = last;
        return s;
    }

    private static long[] prepend1(long[] s) {
        long[] r = new long[s.length + 1];
        r[0] = 1;
        System.arraycopy(s, 0, r, 1, s.length);
        return r;
    }

    private static void checkLast(Var x, long expected, String op) {
        long last = x.size(x.value.rank() - 1);
        if (last != expected) {
            throw new IllegalArgumentException(op + ": input has " + last + " channels, expected " + expected
                    + " (input shape " + Arrays.toString(x.shape()) + ")");
        }
    }

    static DataType type(Var v) {
        return v.value.dataType();
    }
}
