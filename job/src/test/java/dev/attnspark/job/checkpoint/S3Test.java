package dev.attnspark.job.checkpoint;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.task.Tasks;
import dev.attnspark.job.testing.ChildJvm;
import dev.attnspark.job.testing.S3Server;
import dev.attnspark.job.train.TestRuns;
import dev.attnspark.job.train.Trainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code s3a://} for real, against an S3-compatible server (S3Proxy) on 127.0.0.1: the S3A connector of the job jar
 * (hadoop-aws and the AWS SDK modules it needs) lists, reads, writes, renames and deletes; a training run reads MNIST
 * from S3, writes its metrics and checkpoints there and resumes from them; the secret key reaches neither a log nor a
 * {@code config.yaml}; and a checkpoint interrupted on its way into S3 (where a rename is a copy, object by object) is
 * never loaded.
 */
class S3Test {
    private static final String BUCKET = "attnspark";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static java.nio.file.Path tmp;
    static S3Server server;
    static Configuration conf;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(tmp.resolve("s3"), 900);
        AmazonS3 s3 = AmazonS3ClientBuilder.standard()
                .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(server.endpoint(), "us-east-1"))
                .withPathStyleAccessEnabled(true)
                .withCredentials(new AWSStaticCredentialsProvider(
                        new BasicAWSCredentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                .build();
        s3.createBucket(BUCKET);
        s3.shutdown();
        conf = server.hadoopConf();
    }

    @AfterAll
    static void stopServer() throws IOException {
        FileSystem.closeAll();
        if (server != null) {
            server.close();
        }
    }

    private static Path s3(String key) {
        return new Path("s3a://" + BUCKET + "/" + key);
    }

    @Test
    void s3aListsReadsWritesRenamesAndDeletes() throws Exception {
        FileSystem fs = s3("").getFileSystem(conf);
        assertEquals("s3a", fs.getScheme());
        Path dir = s3("ops");
        byte[] data = new byte[3 << 20];
        new java.util.Random(1).nextBytes(data);
        try (FSDataOutputStream out = fs.create(new Path(dir, "a.bin"), false)) {
            out.write(data);
        }
        assertThat(Stream.of(fs.listStatus(dir)).map(s -> s.getPath().getName())).containsExactly("a.bin");
        try (FSDataInputStream in = fs.open(new Path(dir, "a.bin"))) {
            in.seek(1 << 20); // a ranged GET, as executors read their records
            byte[] part = new byte[100];
            in.readFully(part);
            assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(data, 1 << 20, (1 << 20) + 100));
        }
        assertThat(fs.rename(new Path(dir, "a.bin"), new Path(dir, "sub/b.bin"))).isTrue();
        assertThat(fs.exists(new Path(dir, "a.bin"))).isFalse();
        assertEquals(data.length, fs.getFileStatus(new Path(dir, "sub/b.bin")).getLen());
        assertThat(fs.rename(new Path(dir, "sub"), new Path(dir, "moved"))).isTrue();
        assertThat(fs.getFileStatus(new Path(dir, "moved")).isDirectory()).isTrue();
        assertThat(fs.delete(dir, true)).isTrue();
        assertThat(fs.exists(dir)).isFalse();

        // RunDir's replace-a-file, as metrics.jsonl and config.yaml are written: no temporary file stays behind
        RunDir run = new RunDir("s3a://" + BUCKET + "/rundir", conf);
        assertEquals("s3a://" + BUCKET + "/rundir", run.root().toString());
        run.writeText("metrics.jsonl", "{\"step\":1}\n");
        run.writeText("metrics.jsonl", "{\"step\":1}\n{\"step\":2}\n");
        assertEquals("{\"step\":1}\n{\"step\":2}\n", run.readText("metrics.jsonl"));
        assertThat(Stream.of(fs.listStatus(run.root())).map(s -> s.getPath().getName()))
                .containsExactly("metrics.jsonl");

        // a reader during rewrites sees one whole version or the next, never no file or part of one (a rename over
        // the file would be a delete and then a copy on S3); S3A refuses a read whose object was replaced between
        // its HEAD and its GET (fs.s3a.change.detection.mode=server, the default)
        StringBuilder expected = new StringBuilder();
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.append("{\"step\":").append(i).append(",\"pad\":\"").append("x".repeat(2000)).append("\"}\n");
            versions.add(expected.toString());
        }
        run.writeText("metrics.jsonl", versions.get(0));
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger changed = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    String text = run.readText("metrics.jsonl");
                    reads.incrementAndGet();
                    if (!versions.contains(text)) {
                        problems.add("a partial file of " + text.length() + " chars");
                    }
                } catch (java.io.UncheckedIOException e) {
                    if (e.getCause() instanceof org.apache.hadoop.fs.s3a.RemoteFileChangedException) {
                        changed.incrementAndGet(); // replaced between S3A's HEAD and GET: refused, not mixed
                    } else {
                        problems.add(e + " <- " + e.getCause());
                    }
                }
            }
        });
        reader.start();
        for (int i = 1; i < versions.size(); i++) {
            run.writeText("metrics.jsonl", versions.get(i));
        }
        done.set(true);
        reader.join(30_000);
        assertThat(problems).isEmpty();
        assertThat(reads.get()).as("whole reads (%d refused as changed)", changed.get()).isGreaterThan(10);
        System.out.println("rewrites of metrics.jsonl on S3: " + reads + " whole reads, " + changed
                + " refused as changed mid-read");
        assertEquals(versions.get(versions.size() - 1), run.readText("metrics.jsonl"));
    }

    @Test
    void trainsFromS3WritesMetricsAndCheckpointsThereAndResumes() throws Exception {
        FileSystem fs = s3("").getFileSystem(conf);
        java.nio.file.Path local = TestRuns.digits(tmp.resolve("digits"), 300, 100);
        Path mnist = s3("datasets/mnist");
        for (java.io.File f : local.toFile().listFiles()) {
            FileUtil.copy(f, fs, new Path(mnist, f.getName()), false, conf);
        }
        String run = "s3a://" + BUCKET + "/runs/mnist";
        // the job sees S3 only through the Spark properties: no file system from this test's configuration
        FileSystem.closeAll();

        Captured first = capture(out -> Trainer.train(config(mnist, run, 6), false, out));
        Trainer.Result r1 = (Trainer.Result) first.result;
        assertThat(first.text).contains("MNIST at " + mnist + ": 300 train / 100 valid images");
        assertEquals(6, r1.steps());
        assertEquals(run + "/checkpoints/step-00000006", r1.lastCheckpoint().toString());
        fs = s3("").getFileSystem(conf);
        assertThat(checkpointNames(fs, run)).containsExactly("step-00000003", "step-00000006");
        assertThat(steps(fs, run, "train")).containsExactly(3L, 6L);

        Captured second = capture(out -> Trainer.train(config(mnist, run, 10), true, out));
        Trainer.Result r2 = (Trainer.Result) second.result;
        assertThat(second.text).contains("resuming from " + run + "/checkpoints/step-00000006 (epoch 0, step 6)");
        assertEquals(10, r2.steps());
        fs = s3("").getFileSystem(conf);
        assertThat(checkpointNames(fs, run)).containsExactly("step-00000006", "step-00000009", "step-00000010");
        assertThat(steps(fs, run, "train")).containsExactly(3L, 6L, 9L, 10L);
        assertThat(steps(fs, run, "valid")).containsExactly(6L, 10L);
        Checkpoints.Loaded last = Checkpoints.load(new Path(run), conf);
        assertEquals(10, last.state().step());
        assertEquals(1, last.state().epoch(), "10 batches of 32 end epoch 0 (300 examples): continue at epoch 1");
        assertEquals(0, last.state().batchInEpoch());

        // the keys were given as spark.hadoop.fs.s3a.* properties: the secret is in no log line and no config.yaml
        List<String> yamls = new ArrayList<>();
        yamls.add(new RunDir(run, conf).readText("config.yaml"));
        yamls.add(last.configYaml());
        for (String yaml : yamls) {
            assertThat(yaml).contains("spark.hadoop.fs.s3a.secret.key: '***redacted***'")
                    .contains("spark.hadoop.fs.s3a.access.key: '***redacted***'")
                    .doesNotContain(S3Server.SECRET_KEY).doesNotContain(S3Server.ACCESS_KEY);
        }
        for (Captured c : List.of(first, second)) {
            java.nio.file.Path kept = java.nio.file.Path.of("target", "S3Test-" + (c == first ? "run" : "resume")
                    + ".log");
            java.nio.file.Files.writeString(kept, c.text);
            assertThat(c.text).as("stdout, stderr and log lines of the run, in " + kept)
                    .contains("checkpoint " + run) // the run's own lines
                    .contains("spark.hadoop.fs.s3a.secret.key=") // Spark's spark.logConf listing
                    .contains("org.apache.hadoop.fs.s3a.S3AFileSystem") // S3A's DEBUG lines
                    .doesNotContain(S3Server.SECRET_KEY).doesNotContain(S3Server.ACCESS_KEY);
        }

        // and through the verbs, as a user continues and evaluates a run on S3: the redacted keys in its config.yaml
        // are not used; the S3 settings are given again, as they would be in spark-defaults.conf
        List<String> s3 = new ArrayList<>();
        server.s3aSettings().forEach((k, v) -> s3.add("--spark.conf.spark.hadoop." + k + "=" + v));
        List<String> resume = new ArrayList<>(List.of("train", "--resume", "--trainer.output_dir=" + run,
                "--trainer.max_steps=12"));
        resume.addAll(s3);
        assertEquals(0, dev.attnspark.job.cli.Main.run(resume.toArray(String[]::new)));
        fs = s3("").getFileSystem(conf);
        assertThat(checkpointNames(fs, run)).contains("step-00000012");
        List<String> evaluate = new ArrayList<>(List.of("evaluate", "--checkpoint", run));
        evaluate.addAll(s3);
        assertEquals(0, dev.attnspark.job.cli.Main.run(evaluate.toArray(String[]::new)));
    }

    /** The small model of the tests, reading {@code mnist} and writing {@code run}, S3 settings as Spark properties. */
    private static JobConfig config(Path mnist, String run, int maxSteps) {
        List<String> o = new ArrayList<>(List.of("--trainer.strategy=single", "--spark.master=local[2]",
                "--data.batch_size=32", "--data.num_partitions=2", "--trainer.max_steps=" + maxSteps,
                "--trainer.log_every_n_steps=3", "--trainer.checkpoint_every_n_steps=3",
                "--trainer.keep_checkpoints=3", "--spark.conf.spark.logConf=true"));
        server.s3aSettings().forEach((k, v) -> o.add("--spark.conf.spark.hadoop." + k + "=" + v));
        List<String> all = new ArrayList<>(TestRuns.SMALL_MODEL);
        all.add("--data.dataset_dir=" + mnist);
        all.add("--trainer.output_dir=" + run);
        all.addAll(o);
        return ConfigLoader.load(TestRuns.EXAMPLE, all, Tasks.ALL);
    }

    private static List<String> checkpointNames(FileSystem fs, String run) throws IOException {
        return Stream.of(fs.listStatus(new Path(run, Checkpoints.DIR))).map(s -> s.getPath().getName()).sorted()
                .toList();
    }

    private static List<Long> steps(FileSystem fs, String run, String split) throws IOException {
        List<Long> out = new ArrayList<>();
        try (FSDataInputStream in = fs.open(new Path(run, "metrics.jsonl"))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                JsonNode row = JSON.readTree(line);
                if (row.get("split").asText().equals(split)) {
                    out.add(row.get("step").asLong());
                }
            }
        }
        return out;
    }

    /**
     * A separate JVM (credentials from the environment, S3A's default provider chain) writes a checkpoint into S3 and
     * dies, as with kill -9, in the middle of moving it into place. S3A's rename copies the objects of the hidden
     * folder to the final one, in parallel, and then deletes the originals; here the writer dies after the copies of
     * config.yaml and state.json and before that of model.zip ({@link HaltingS3ClientFactory}): the final folder holds
     * a state.json whose model is missing. It stays there and is never loaded; the checkpoint before it is.
     */
    @Test
    void checkpointInterruptedWhileCopiedIntoPlaceIsNeverLoaded() throws Exception {
        String run = "s3a://" + BUCKET + "/runs/killed";
        Checkpoints c = new Checkpoints(new RunDir(run, conf));
        c.save(CheckpointWriterMain.network(16), 0, 1, 1, "", 100);

        List<String> args = new ArrayList<>(List.of(run, "64", "2",
                "fs.s3a.s3.client.factory.impl=" + HaltingS3ClientFactory.class.getName(),
                HaltingS3ClientFactory.BEFORE_COPY_TO + "=.*/checkpoints/step-\\d+/model\\.zip",
                HaltingS3ClientFactory.AFTER_COPIES + "=2"));
        server.s3aSettings().forEach((k, v) -> {
            if (!k.endsWith(".key") && !k.equals("fs.s3a.aws.credentials.provider")) {
                args.add(k + "=" + v);
            }
        });
        java.nio.file.Path log = tmp.resolve("writer.log");
        Process p = ChildJvm.start(log, Map.of("AWS_ACCESS_KEY_ID", S3Server.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", S3Server.SECRET_KEY), CheckpointWriterMain.class.getName(),
                args.toArray(String[]::new));
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            ChildJvm.kill(p);
        }
        String childLog = java.nio.file.Files.readString(log);
        assertEquals(137, p.exitValue(), "the writer died mid-rename; its log:\n" + childLog);
        assertThat(childLog).contains("halting before copying runs/killed/checkpoints/step-00000002/model.zip");

        FileSystem fs = s3("").getFileSystem(conf);
        Path dir = new Path(run, Checkpoints.DIR);
        Path torn = new Path(dir, "step-00000002");
        String original = names(fs, dir).stream().filter(n -> n.startsWith(".tmp-step-00000002-")).findFirst()
                .orElseThrow();
        assertThat(names(fs, new Path(dir, original))).as("the hidden original, complete")
                .containsExactly("config.yaml", "model.zip", "state.json");
        assertThat(names(fs, torn)).as("what the interrupted rename left").containsExactly("config.yaml", "state.json");

        assertThat(c.complete()).extracting(Path::getName).as("the torn one looks newest by name")
                .containsExactly("step-00000002", "step-00000001");
        assertThrows(RuntimeException.class, () -> Checkpoints.load(torn, conf));
        assertEquals(1, c.latest().orElseThrow().state().step(), "the checkpoint before the torn one is loaded");
        assertEquals(1, Checkpoints.load(new Path(run), conf).state().step(), "as evaluate --checkpoint RUN does");

        // the run goes on: the next save of step 2 replaces the torn folder; the hidden original stays until it is
        // an hour old (by its files: S3A gives every folder the time of the listing)
        c.save(CheckpointWriterMain.network(16), 0, 2, 2, "", 100);
        assertThat(names(fs, dir)).containsExactly(original, "step-00000001", "step-00000002");
        assertEquals(2, c.latest().orElseThrow().state().step());
    }

    private static List<String> names(FileSystem fs, Path dir) throws IOException {
        return Stream.of(fs.listStatus(dir)).map(s -> s.getPath().getName()).sorted().toList();
    }

    /**
     * What an interrupted S3A rename can leave in a checkpoint's final folder, objects copied so far being whole (a
     * copy, like a PUT, makes an object appear complete or not at all): every such folder is skipped for the
     * previous checkpoint. A truncated model (a store that exposes partial objects) fails its checksum.
     */
    @Test
    void tornCheckpointFoldersOnS3AreSkippedForThePreviousOne() throws Exception {
        String run = "s3a://" + BUCKET + "/runs/torn";
        Checkpoints c = new Checkpoints(new RunDir(run, conf));
        ComputationGraph net = CheckpointWriterMain.network(16);
        Path good = c.save(net, 0, 10, 10, "task: x\n", 10);
        Path source = c.save(net, 0, 20, 20, "task: x\n", 10);
        FileSystem fs = good.getFileSystem(conf);
        Path dir = new Path(run, Checkpoints.DIR);
        List<List<String>> partial = List.of(List.of("config.yaml", "state.json"), List.of("model.zip"),
                List.of("model.zip", "state.json"), List.of("config.yaml", "model.zip"), List.of("state.json"));
        long step = 30;
        for (List<String> files : partial) {
            Path torn = new Path(dir, String.format("step-%08d", step));
            for (String f : files) {
                FileUtil.copy(fs, new Path(source, f), fs, new Path(torn, f), false, conf);
            }
            step += 10;
        }
        Path truncated = new Path(dir, String.format("step-%08d", step));
        FileUtil.copy(fs, new Path(source, "config.yaml"), fs, new Path(truncated, "config.yaml"), false, conf);
        FileUtil.copy(fs, new Path(source, "state.json"), fs, new Path(truncated, "state.json"), false, conf);
        byte[] model;
        try (FSDataInputStream in = fs.open(new Path(source, "model.zip"))) {
            model = in.readAllBytes();
        }
        try (OutputStream out = fs.create(new Path(truncated, "model.zip"), false)) {
            out.write(model, 0, model.length / 2);
        }
        fs.delete(source, true);

        assertThat(c.complete()).hasSize(partial.size() + 2); // they look like checkpoints by name
        for (FileStatus s : fs.listStatus(dir)) {
            if (!s.getPath().getName().equals(good.getName())) {
                assertThrows(RuntimeException.class, () -> Checkpoints.load(s.getPath(), conf), s.getPath()::toString);
            }
        }
        Checkpoints.Loaded l = c.latest().orElseThrow();
        assertEquals(10, l.state().step());
        assertThat(l.network().params().equalsWithEps(net.params(), 0)).isTrue();
    }

    /** What a run printed: its {@code out}, System.out and System.err, and every log event from INFO up. */
    private record Captured(Object result, String text) {}

    private interface Run {
        Object run(PrintStream out) throws Exception;
    }

    private static Captured capture(Run run) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stdout = System.out, stderr = System.err;
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                bytes.write(b);
                stdout.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes.write(b, off, len);
                stdout.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        StringWriter logs = new StringWriter();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        org.apache.logging.log4j.core.config.Configuration lc = ctx.getConfiguration();
        Appender appender = WriterAppender.newBuilder().setName("s3test").setTarget(logs)
                .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build()).build();
        appender.start();
        LoggerConfig root = lc.getRootLogger();
        Level rootLevel = root.getLevel();
        Appender console = lc.getAppender("console");
        root.removeAppender("console");
        root.addAppender(console, Level.WARN, null); // the surefire report keeps its usual volume
        root.addAppender(appender, Level.ALL, null);
        root.setLevel(Level.INFO);
        LoggerConfig s3a = new LoggerConfig("org.apache.hadoop.fs.s3a", Level.DEBUG, true);
        lc.addLogger(s3a.getName(), s3a);
        ctx.updateLoggers();
        System.setOut(tee);
        System.setErr(tee);
        Object result;
        try {
            result = run.run(tee);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            lc.removeLogger(s3a.getName());
            root.removeAppender("s3test");
            root.removeAppender("console");
            root.addAppender(console, null, null);
            root.setLevel(rootLevel);
            ctx.updateLoggers();
            appender.stop();
        }
        return new Captured(result, bytes.toString(StandardCharsets.UTF_8) + "\n" + logs);
    }
}
