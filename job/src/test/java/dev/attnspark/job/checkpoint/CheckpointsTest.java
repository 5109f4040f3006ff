package dev.attnspark.job.checkpoint;

import dev.attnspark.job.testing.ChildJvm;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints are atomic: whatever happens during a write, only complete, intact checkpoints are ever loaded. */
class CheckpointsTest {
    static final Configuration CONF = new Configuration();

    @Test
    void roundTripKeepsParametersOptimizerStateAndPosition(@TempDir java.nio.file.Path tmp) {
        ComputationGraph net = CheckpointWriterMain.network(16);
        Checkpoints c = new Checkpoints(new RunDir(tmp.toString(), CONF));
        Checkpoints.EarlyStoppingState es = new Checkpoints.EarlyStoppingState(0.5, 100, 2);
        c.save(net, Checkpoints.State.at(3, 17, 123, 4, java.util.Map.of("loss", 0.5), es), "task: x\n",
                new Checkpoints.Retention(2, null, "min"));
        Checkpoints.Loaded l = c.latest().orElseThrow();
        assertEquals(new Checkpoints.State(3, 17, 123, l.state().modelSha256(), l.state().created(), 4,
                java.util.Map.of("loss", 0.5), es, null, null, null), l.state());
        assertEquals(net.params(), l.network().params());
        assertEquals(net.getUpdater().getStateViewArray(), l.network().getUpdater().getStateViewArray());
        assertEquals("task: x\n", l.configYaml());
    }

    @Test
    void keepsOnlyTheNewest(@TempDir java.nio.file.Path tmp) {
        ComputationGraph net = CheckpointWriterMain.network(8);
        Checkpoints c = new Checkpoints(new RunDir(tmp.toString(), CONF));
        for (int step = 1; step <= 4; step++) {
            c.save(net, 0, step, step, "", 2);
        }
        assertThat(c.complete()).extracting(Path::getName).containsExactly("step-00000004", "step-00000003");
    }

    @Test
    void hiddenFoldersOfKilledWritersAreRemovedOnceTheirFilesAreAnHourOld(@TempDir java.nio.file.Path tmp)
            throws Exception {
        ComputationGraph net = CheckpointWriterMain.network(8);
        Checkpoints c = new Checkpoints(new RunDir(tmp.toString(), CONF));
        c.save(net, 0, 1, 1, "", 5);
        java.nio.file.Path dir = tmp.resolve(Checkpoints.DIR);
        java.nio.file.Path fresh = java.nio.file.Files.createDirectories(dir.resolve(".tmp-step-00000002-a"));
        java.nio.file.Files.writeString(fresh.resolve("model.zip"), "half");
        java.nio.file.Path old = java.nio.file.Files.createDirectories(dir.resolve(".tmp-step-00000002-b"));
        java.nio.file.Files.writeString(old.resolve("model.zip"), "half");
        // the folder itself looks new, as every folder does on S3A; its file is two hours old
        assertTrue(old.resolve("model.zip").toFile().setLastModified(System.currentTimeMillis() - 7_200_000L));
        c.save(net, 0, 3, 3, "", 5);
        assertThat(dir.toFile().list()).containsExactlyInAnyOrder("step-00000001", "step-00000003",
                ".tmp-step-00000002-a");
    }

    @Test
    void writerKilledMidWriteLeavesThePreviousCheckpointInCharge(@TempDir java.nio.file.Path tmp) throws Exception {
        killWriterMidWrite(tmp.resolve("run").toString(), CONF, tmp);
    }

    @Test
    void writerKilledMidWriteOnHdfsLeavesThePreviousCheckpointInCharge(@TempDir java.nio.file.Path tmp)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            killWriterMidWrite(cluster.getFileSystem().getUri() + "/runs/killed", conf, tmp);
        } finally {
            cluster.shutdown();
        }
    }

    /**
     * A separate JVM writes checkpoints 2, 3, ... of a larger model into {@code run} (after checkpoint 1 from here);
     * it is killed while one is half written. The newest complete checkpoint is the one loaded, and the half-written
     * one stays hidden.
     */
    private static void killWriterMidWrite(String run, Configuration conf, java.nio.file.Path tmp) throws Exception {
        Checkpoints c = new Checkpoints(new RunDir(run, conf));
        c.save(CheckpointWriterMain.network(256), 0, 1, 1, "", 100);

        Process p = ChildJvm.start(tmp.resolve("writer.log"), CheckpointWriterMain.class.getName(), run, "768", "2");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (p.isAlive() && System.nanoTime() < deadline && tmpDirs(run, conf).isEmpty()) {
            Thread.sleep(5);
        }
        Thread.sleep(150);
        assertThat(tmpDirs(run, conf)).as("a checkpoint was being written; log in " + tmp.resolve("writer.log"))
                .isNotEmpty();
        ChildJvm.kill(p);

        Checkpoints.Loaded l = c.latest().orElseThrow();
        long newestComplete = c.complete().stream().map(d -> Long.parseLong(d.getName().substring(5))).max(Long::compare)
                .orElseThrow();
        assertEquals(newestComplete, l.state().step(), "the newest complete checkpoint is the one loaded");
        assertThat(tmpDirs(run, conf)).as("the half-written checkpoint is still hidden").isNotEmpty();
    }

    @Test
    void damagedCheckpointIsSkippedForThePreviousOne(@TempDir java.nio.file.Path tmp) throws Exception {
        ComputationGraph net = CheckpointWriterMain.network(16);
        Checkpoints c = new Checkpoints(new RunDir(tmp.toString(), CONF));
        c.save(net, 0, 10, 10, "", 5);
        Path second = c.save(net, 0, 20, 20, "", 5);
        // as a non-atomic copy on an object store might leave it: the final name, but a truncated model
        File model = new File(second.toUri().getPath(), "model.zip");
        try (RandomAccessFile f = new RandomAccessFile(model, "rw")) {
            f.setLength(f.length() / 2);
        }
        assertThrows(RuntimeException.class, () -> Checkpoints.load(second, CONF));
        assertEquals(10, c.latest().orElseThrow().state().step());
    }

    @Test
    void savesAndLoadsOnHdfs(@TempDir java.nio.file.Path tmp) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            String run = cluster.getFileSystem().getUri() + "/runs/r1";
            ComputationGraph net = CheckpointWriterMain.network(16);
            Checkpoints c = new Checkpoints(new RunDir(run, conf));
            c.save(net, 1, 5, 42, "task: x\n", 3);
            Checkpoints.Loaded l = Checkpoints.load(new Path(run), conf);
            assertEquals(42, l.state().step());
            assertTrue(net.params().equalsWithEps(l.network().params(), 0));

            // "hdfs:///runs/r2" names the default file system: no authority in the path, as users write it
            Configuration withDefault = new Configuration(conf);
            withDefault.set("fs.defaultFS", cluster.getFileSystem().getUri().toString());
            new Checkpoints(new RunDir("hdfs:///runs/r2", withDefault)).save(net, 1, 5, 43, "task: x\n", 3);
            assertEquals(43, Checkpoints.load(new Path("hdfs:///runs/r2"), withDefault).state().step());
        } finally {
            cluster.shutdown();
        }
    }

    private static List<String> tmpDirs(String run, Configuration conf) throws Exception {
        Path dir = new Path(run, Checkpoints.DIR);
        FileSystem fs = dir.getFileSystem(conf);
        if (!fs.exists(dir)) {
            return List.of();
        }
        return Stream.of(fs.listStatus(dir)).map(st -> st.getPath().getName()).filter(n -> n.startsWith(".tmp-"))
                .sorted().toList();
    }
}
