package dev.attnspark.job.train.log;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.job.train.log.TensorBoardWriter.Scalar;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Event files that TensorBoard reads: TensorFlow's record framing, Lightning's version folders, scalars by step. */
class TensorBoardWriterTest {
    static final Configuration CONF = new Configuration();

    /**
     * Two records written by TensorBoard's own Python {@code RecordWriter} (tensorboard 2.21.0):
     * Event{wall_time: 1700000000.5, file_version: "brain.Event:2"} and
     * Event{wall_time: 1700000001.25, step: 20, summary{value{tag: "train/loss", simple_value: 2.5}}}.
     */
    static final String TENSORBOARD_RECORDS = "1800000000000000a37f4b220900002040fc54d9411a0d627261696e2e4576656e743a32"
            + "2b353110200000000000000029eda9500900005040fc54d94110142a130a110a0a747261696e2f6c6f737315000020408b11924e";

    @Test
    void framesRecordsByteForByteAsTensorBoard() {
        byte[] header = TensorBoardWriter.frame(
                Event.newBuilder().setWallTime(1700000000.5).setFileVersion("brain.Event:2").build().toByteArray());
        byte[] loss = TensorBoardWriter.frame(Event.newBuilder().setWallTime(1700000001.25).setStep(20)
                .setSummary(Summary.newBuilder().addValue(
                        Summary.Value.newBuilder().setTag("train/loss").setSimpleValue(2.5f)))
                .build().toByteArray());
        assertEquals(TENSORBOARD_RECORDS, HexFormat.of().formatHex(header) + HexFormat.of().formatHex(loss));
    }

    @Test
    void writesScalarsByStepThatReadBackWithValidFraming(@TempDir java.nio.file.Path tmp) throws Exception {
        Path logs = new Path(tmp.resolve("logs").toString());
        Path file;
        try (TensorBoardWriter tb = TensorBoardWriter.open(logs, "clm", CONF)) {
            assertEquals(tmp.resolve("logs/clm/version_0").toString(), tb.dir().toUri().getPath());
            file = tb.file();
            for (long step = 10; step <= 30; step += 10) {
                tb.scalar("train/loss", step, 3.0 / step);
                tb.scalar("lr", step, 1e-3);
                tb.scalar("samples_per_s", step, 55.5);
            }
            Map<String, Object> valid = new LinkedHashMap<>();
            valid.put("loss", 2.25);
            valid.put("accuracy", 0.375);
            valid.put("masked_accuracy", null);  // metrics.jsonl writes NaN as null: skipped
            tb.scalars("val", 30, valid);
        }

        // TF's naming; no Hadoop .crc sidecar, which TensorBoard would try to read (its name contains "tfevents")
        java.nio.file.Path version = tmp.resolve("logs/clm/version_0");
        try (Stream<java.nio.file.Path> files = Files.list(version)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .singleElement().asString().matches("events\\.out\\.tfevents\\.\\d{10}\\..+");
        }

        // the framing, checked here with an independent CRC32C and mask
        List<Event> events = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(version.resolve(file.getName()))).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            byte[] length = new byte[8];
            b.get(length);
            assertEquals(maskedCrc(length), b.getInt(), "length CRC of record " + events.size());
            byte[] data = new byte[(int) ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong()];
            b.get(data);
            assertEquals(maskedCrc(data), b.getInt(), "data CRC of record " + events.size());
            events.add(Event.parseFrom(data));
        }
        assertThat(events).hasSize(1 + 9 + 1);
        assertEquals("brain.Event:2", events.get(0).getFileVersion());
        assertThat(events.get(0).getWallTime()).isCloseTo(System.currentTimeMillis() / 1000.0, within(600));
        assertThat(events.get(1).getSummary().getValue(0).getTag()).isEqualTo("train/loss");
        assertThat(events.get(10).getSummary().getValueCount()).isEqualTo(2);

        List<Scalar> scalars = TensorBoardWriter.read(file, CONF);
        assertThat(scalars).extracting(Scalar::tag).containsExactly(
                "train/loss", "lr", "samples_per_s", "train/loss", "lr", "samples_per_s",
                "train/loss", "lr", "samples_per_s", "val/loss", "val/accuracy");
        assertThat(scalars).extracting(Scalar::step).containsExactly(10L, 10L, 10L, 20L, 20L, 20L, 30L, 30L, 30L, 30L, 30L);
        assertEquals(0.3, scalars.get(0).value(), 1e-7);   // stored as float32
        assertEquals(0.1, scalars.get(6).value(), 1e-7);
        assertEquals(1e-3, scalars.get(1).value(), 1e-10);
        assertEquals(55.5, scalars.get(2).value());
        assertEquals(2.25, scalars.get(9).value());
        assertEquals(0.375, scalars.get(10).value());
        assertThat(scalars.get(10).wallTime()).isGreaterThanOrEqualTo(events.get(0).getWallTime());
    }

    @Test
    void eachOpenTakesTheNextVersionAsLightningDoes(@TempDir java.nio.file.Path tmp) throws Exception {
        Path logs = new Path(tmp.toString());
        try (TensorBoardWriter a = TensorBoardWriter.open(logs, "clm", CONF)) {
            assertEquals("version_0", a.dir().getName());
        }
        try (TensorBoardWriter b = TensorBoardWriter.open(logs, "clm", CONF)) {
            assertEquals("version_1", b.dir().getName());
        }
        // one more than the highest, gaps are not reused; other names are ignored
        Files.createDirectories(tmp.resolve("clm/version_7"));
        Files.createDirectories(tmp.resolve("clm/version_x"));
        try (TensorBoardWriter c = TensorBoardWriter.open(logs, "clm", CONF)) {
            assertEquals("version_8", c.dir().getName());
        }
        // no name: versions directly under save_dir
        try (TensorBoardWriter d = TensorBoardWriter.open(new Path(logs, "flat"), "", CONF)) {
            assertEquals(tmp.resolve("flat/version_0").toString(), d.dir().toUri().getPath());
        }
    }

    @Test
    void aCorruptByteIsReportedWithTheFileName(@TempDir java.nio.file.Path tmp) throws Exception {
        Path file;
        try (TensorBoardWriter tb = TensorBoardWriter.open(new Path(tmp.toString()), "clm", CONF)) {
            tb.scalar("train/loss", 1, 2.0);
            tb.scalar("train/loss", 2, 1.5);
            file = tb.file();
        }
        java.nio.file.Path local = java.nio.file.Path.of(file.toUri());
        byte[] good = Files.readAllBytes(local);

        byte[] data = good.clone();
        data[data.length - 6] ^= 0x01;  // inside the last record's data
        Files.write(local, data);
        assertThatThrownBy(() -> TensorBoardWriter.read(file, CONF))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("bad CRC of the record data");

        byte[] length = good.clone();
        int last = recordOffsets(good).get(2);
        length[last] ^= 0x01;  // the last record's length
        Files.write(local, length);
        assertThatThrownBy(() -> TensorBoardWriter.read(file, CONF))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("bad CRC of the record length");

        // a record cut short at the end is one still being written: the complete ones are read
        assertThat(TensorBoardWriter.read(new ByteArrayInputStream(good, 0, good.length - 3), "torn"))
                .extracting(Scalar::step).containsExactly(1L);
    }

    @Test
    void flushMakesScalarsVisibleOnHdfsBeforeClose(@TempDir java.nio.file.Path tmp) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            FileSystem fs = cluster.getFileSystem();
            Path logs = new Path(fs.getUri() + "/runs/logs");
            try (TensorBoardWriter tb = TensorBoardWriter.open(logs, "clm", conf)) {
                tb.scalar("train/loss", 5, 1.25);
                tb.flush();
                assertThat(TensorBoardWriter.read(tb.file(), conf))
                        .extracting(Scalar::tag, Scalar::step, Scalar::value).containsExactly(tuple("train/loss", 5L, 1.25));
            }
            try (TensorBoardWriter tb = TensorBoardWriter.open(logs, "clm", conf)) {
                assertEquals(new Path(fs.getUri() + "/runs/logs/clm/version_1"), tb.dir());
            }
        } finally {
            cluster.shutdown();
        }
    }

    private static int maskedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        long c = crc.getValue();
        long rotated = ((c >>> 15) | (c << 17)) & 0xffffffffL;
        return (int) ((rotated + 0xa282ead8L) & 0xffffffffL);
    }

    private static List<Integer> recordOffsets(byte[] file) {
        List<Integer> offsets = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < file.length; at += 8 + 4 + (int) b.getLong(at) + 4) {
            offsets.add(at);
        }
        return offsets;
    }

    private static org.assertj.core.data.Offset<Double> within(double seconds) {
        return org.assertj.core.data.Offset.offset(seconds);
    }
}
