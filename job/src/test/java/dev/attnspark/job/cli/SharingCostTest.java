package dev.attnspark.job.cli;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sharing benchmark reports what DL4J's encoders really produce for an update. */
class SharingCostTest {

    @Test
    void countsWhatEachEncodingSends() {
        int n = 16_000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (i % 4 == 0 ? 1e-3f : 1e-5f) * (i % 2 == 0 ? 1 : -1) * (1 + i / (float) n);
        }
        INDArray update = Nd4j.createFromArray(values);
        Map<String, Object> r = SharingCost.measure(update, Nd4j.zeros(DataType.FLOAT, n), 5e-4, 3);

        assertThat(r.get("dense_bytes")).isEqualTo(4L * n);
        assertThat(r.get("bitmap_values_sent")).as("values at or above the threshold").isEqualTo((long) n / 4);
        assertThat(r.get("bitmap_bytes")).isEqualTo(4L * (n / 16 + 5));
        // the sparse encoding sends about 1 % of the values (the largest), 4 bytes each plus a 4-int header
        assertThat((long) r.get("sparse_bytes")).isBetween(4L * (n / 100), 4L * (n / 100 + 4 + n / 1000));
        assertThat((double) r.get("bitmap_encode_ms")).isPositive();
    }
}
