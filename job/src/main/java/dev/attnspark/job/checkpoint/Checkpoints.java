package dev.attnspark.job.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints of a run: {@code checkpoints/step-NNNNNNNN/} holding {@code model.zip} (parameters and optimizer
 * state), {@code state.json} (epoch, position in the epoch's batches, step, the model's SHA-256) and the run's
 * {@code config.yaml}. A checkpoint is assembled in a hidden folder and renamed into place once complete; loading
 * skips anything incomplete or whose model does not match its recorded checksum, falling back to the one before.
 */
public final class Checkpoints {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DIR = "checkpoints";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final RunDir run;

    public Checkpoints(RunDir run) {
        this.run = run;
    }

    /** Where training stands when a checkpoint is taken: enough to continue exactly there. */
    public record State(int epoch, long batchInEpoch, long step, String modelSha256, String created) {}

    /** A checkpoint read back. */
    public record Loaded(Path dir, State state, ComputationGraph network, String configYaml) {}

    /** Writes a checkpoint atomically and keeps only the newest {@code keep}. Returns its folder. */
    public Path save(ComputationGraph net, int epoch, long batchInEpoch, long step, String configYaml, int keep) {
        Path dir = run.path(DIR);
        Path tmp = new Path(dir, ".tmp-" + String.format("step-%08d", step) + "-" + UUID.randomUUID());
        Path target = new Path(dir, String.format("step-%08d", step));
        try {
            FileSystem fs = tmp.getFileSystem(run.conf());
            fs.mkdirs(tmp);
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(fs.create(new Path(tmp, "model.zip"), false), sha)) {
                ModelSerializer.writeModel(net, out, true);
            }
            State state = new State(epoch, batchInEpoch, step, HexFormat.of().formatHex(sha.digest()),
                    Instant.now().toString());
            write(fs, new Path(tmp, "config.yaml"), configYaml);
            write(fs, new Path(tmp, "state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
            if (fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
            prune(fs, dir, keep);
            return target;
        } catch (IOException e) {
            try {
                tmp.getFileSystem(run.conf()).delete(tmp, true);
            } catch (IOException ignored) {
                // an abandoned hidden folder is never loaded
            }
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** The newest complete, intact checkpoint of the run, if any. */
    public Optional<Loaded> latest() {
        for (Path dir : complete()) {
            try {
                return Optional.of(load(dir, run.conf()));
            } catch (RuntimeException e) {
                log.warn("skipping checkpoint {}: {}", dir, e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Checkpoint folders by step, newest first (not yet verified). */
    public List<Path> complete() {
        Path dir = run.path(DIR);
        try {
            FileSystem fs = dir.getFileSystem(run.conf());
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches()) {
                    out.add(s.getPath());
                }
            }
            out.sort(Comparator.comparingLong(Checkpoints::stepOf).reversed());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Loads a checkpoint folder, or the newest checkpoint of a run folder. Fails if the model does not match the
     * checksum recorded when it was written.
     */
    public static Loaded load(Path path, Configuration conf) {
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(new Path(path, "state.json")) && fs.exists(new Path(path, DIR))) {
                return new Checkpoints(new RunDir(path.toString(), conf)).latest()
                        .orElseThrow(() -> new IllegalArgumentException(path + ": the run has no usable checkpoint"));
            }
            Path stateFile = new Path(path, "state.json");
            if (!fs.exists(stateFile)) {
                throw new IllegalArgumentException(path + ": not a checkpoint (no state.json) and not a run folder");
            }
            State state = JSON.readValue(read(fs, stateFile), State.class);
            // copy locally while hashing, and deserialize only a model whose checksum is the recorded one
            java.nio.file.Path local = java.nio.file.Files.createTempFile("attnspark-checkpoint-", ".zip");
            try {
                MessageDigest sha = sha256();
                try (InputStream in = new DigestInputStream(fs.open(new Path(path, "model.zip")), sha)) {
                    java.nio.file.Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                if (!actual.equals(state.modelSha256())) {
                    throw new IllegalArgumentException(path + "/model.zip is damaged: its SHA-256 " + actual
                            + " differs from the one recorded at save time");
                }
                ComputationGraph net = ModelSerializer.restoreComputationGraph(local.toFile(), true);
                return new Loaded(path, state, net, read(fs, new Path(path, "config.yaml")));
            } finally {
                java.nio.file.Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    private void prune(FileSystem fs, Path dir, int keep) throws IOException {
        List<Path> all = complete();
        for (int i = keep; i < all.size(); i++) {
            fs.delete(all.get(i), true);
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.getPath().getName().startsWith(".tmp-")
                    && lastWritten(fs, s) < System.currentTimeMillis() - 3_600_000L) {
                fs.delete(s.getPath(), true); // left behind by a killed writer
            }
        }
    }

    /** When a folder's content was last written: its newest file (S3A gives every folder the time of the listing). */
    private static long lastWritten(FileSystem fs, FileStatus folder) throws IOException {
        long newest = -1;
        for (RemoteIterator<LocatedFileStatus> files = fs.listFiles(folder.getPath(), true); files.hasNext(); ) {
            newest = Math.max(newest, files.next().getModificationTime());
        }
        return newest >= 0 ? newest : folder.getModificationTime();
    }

    private static void write(FileSystem fs, Path p, String text) throws IOException {
        try (OutputStream out = fs.create(p, false)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String read(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
