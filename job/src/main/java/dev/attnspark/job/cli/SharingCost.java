package dev.attnspark.job.cli;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What gradient sharing adds to a training step, on a real update vector: the native encoders and decoders DL4J's
 * {@code EncodingHandler} and {@code EncodedGradientsAccumulator} call, and the parameter update they feed. The
 * bitmap encoding (2 bits per value, ±threshold) is what the example sends; the sparse one (an int per value above
 * the threshold) is timed at the threshold that sends 1% of the values.
 */
final class SharingCost {
    private SharingCost() {}

    static Map<String, Object> measure(INDArray update, INDArray params, double threshold, int reps) {
        OpExecutioner ex = Nd4j.getExecutioner();
        long n = update.length();
        INDArray flat = update.reshape(n).castTo(DataType.FLOAT);
        INDArray target = Nd4j.create(DataType.FLOAT, n);
        INDArray scratchParams = params.reshape(n).dup();
        double sparseThreshold = quantileOfAbs(flat, 0.99);

        double[] bitmapEncode = new double[reps], bitmapDecode = new double[reps], sparseEncode = new double[reps],
                sparseDecode = new double[reps], apply = new double[reps];
        long[] bitmapSent = new long[1];
        INDArray[] sparse = new INDArray[1];
        for (int i = 0; i < reps; i++) {
            INDArray residual = flat.dup();
            INDArray bitmap = Nd4j.create(DataType.INT32, n / 16 + 5);
            bitmapEncode[i] = millis(() -> bitmapSent[0] = ex.bitmapEncode(residual, bitmap, threshold));
            target.assign(0);
            bitmapDecode[i] = millis(() -> ex.bitmapDecode(bitmap, target));
            apply[i] = millis(() -> scratchParams.subi(target));

            INDArray sparseResidual = flat.dup();
            sparseEncode[i] = millis(() -> sparse[0] = ex.thresholdEncode(sparseResidual, sparseThreshold));
            target.assign(0);
            sparseDecode[i] = millis(() -> ex.thresholdDecode(sparse[0], target));
        }
        long sparseInts = sparse[0] == null ? 0 : sparse[0].length();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("values", n);
        r.put("dense_bytes", 4 * n);
        r.put("bitmap_threshold", threshold);
        r.put("bitmap_values_sent", bitmapSent[0]);
        r.put("bitmap_bytes", 4 * (n / 16 + 5));
        r.put("bitmap_encode_ms", BenchmarkCommand.median(bitmapEncode));
        r.put("bitmap_decode_ms", BenchmarkCommand.median(bitmapDecode));
        r.put("sparse_threshold", sparseThreshold);
        r.put("sparse_bytes", 4 * sparseInts);
        r.put("sparse_encode_ms", BenchmarkCommand.median(sparseEncode));
        r.put("sparse_decode_ms", BenchmarkCommand.median(sparseDecode));
        r.put("apply_ms", BenchmarkCommand.median(apply));
        return r;
    }

    /** Wall time of one native call, in ms, waiting for ND4J to finish it. */
    private static double millis(Runnable call) {
        long t0 = System.nanoTime();
        call.run();
        Nd4j.getExecutioner().commit();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double quantileOfAbs(INDArray values, double q) {
        float[] a = values.toFloatVector();
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(a[i]);
        }
        Arrays.sort(a);
        return a[(int) Math.min(a.length - 1, Math.round(q * (a.length - 1)))];
    }
}
