package dev.attnspark.job.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.attnspark.job.model.dl4j.FrozenWeights;
import dev.attnspark.job.model.dl4j.Graphs;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints of a run: {@code checkpoints/step-NNNNNNNN/} holding {@code model.zip} (the trainable parameters and
 * optimizer state), {@code frozen.safetensors} when part of the model is frozen (those values, outside DL4J's
 * parameters), {@code state.json} (epoch, position in the epoch's batches, step, the files' SHA-256) and the run's
 * {@code config.yaml}. A checkpoint is assembled in a hidden folder and renamed into place once complete; loading
 * skips anything incomplete or whose model does not match its recorded checksum, falling back to the one before.
 */
public final class Checkpoints {
    private static final Logger log = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DIR = "checkpoints";
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final RunDir run;

    public Checkpoints(RunDir run) {
        this.run = run;
    }

    /** The folder holding the checkpoints. */
    public Path dir() {
        return run.path(DIR);
    }

    /**
     * Where training stands when a checkpoint is taken: enough to continue exactly there.
     *
     * @param trainers        batches per optimizer step when it was written (0: not recorded)
     * @param valid           the validation metrics just before it, if it follows a validation (else null)
     * @param earlyStopping   the early-stopping monitor's best value and validations without improvement (or null)
     * @param frozenSha256    the SHA-256 of {@code frozen.safetensors}, or with {@code frozenBase} the digest of that
     *                        checkpoint's headers (null: nothing is frozen)
     * @param streams         with {@code data.streaming}, each stream's read position ({@code shard:offset}) in the
     *                        epoch; else null
     * @param frozenBase      the upstream checkpoint the frozen values are read from in place (then the checkpoint has
     *                        no {@code frozen.safetensors}: a LoRA checkpoint holds the adapters, not the base)
     */
    public record State(int epoch, long batchInEpoch, long step, String modelSha256, String created, int trainers,
                        Map<String, Double> valid, EarlyStoppingState earlyStopping, String frozenSha256,
                        List<String> streams, String frozenBase) {
        /** A state to save; the files' checksums and the time are filled in when it is written. */
        public static State at(int epoch, long batchInEpoch, long step, int trainers, Map<String, Double> valid,
                               EarlyStoppingState earlyStopping) {
            return new State(epoch, batchInEpoch, step, null, null, trainers, valid, earlyStopping, null, null, null);
        }

        /** This state with the streams' read positions. */
        public State withStreams(List<String> positions) {
            return new State(epoch, batchInEpoch, step, modelSha256, created, trainers, valid, earlyStopping,
                    frozenSha256, positions == null ? null : List.copyOf(positions), frozenBase);
        }

        State written(String sha256, FrozenWeights.Source frozen, String created) {
            return new State(epoch, batchInEpoch, step, sha256, created, trainers, valid, earlyStopping,
                    frozen == null ? null : frozen.sha256(), streams, frozen != null && frozen.base()
                    ? frozen.location() : null);
        }
    }

    /** The early-stopping monitor, so that a resumed run counts patience as the uninterrupted one would. */
    public record EarlyStoppingState(Double best, long bestStep, int validationsWithoutImprovement) {}

    /**
     * Which checkpoints survive a save: the newest {@code keepNewest}, and with a monitored validation metric
     * ({@code metric}, e.g. {@code loss}; null: none) the best by {@code mode} ({@code min} or {@code max}).
     */
    public record Retention(int keepNewest, String metric, String mode) {}

    /** A checkpoint read back. */
    public record Loaded(Path dir, State state, ComputationGraph network, String configYaml) {}

    /** Writes a checkpoint atomically and keeps the newest {@code keep}: for tools and tests. */
    public Path save(ComputationGraph net, int epoch, long batchInEpoch, long step, String configYaml, int keep) {
        return save(net, State.at(epoch, batchInEpoch, step, 0, null, null), configYaml,
                new Retention(keep, null, "min"));
    }

    /** Writes a checkpoint atomically and removes those {@code retention} does not keep. Returns its folder. */
    public Path save(ComputationGraph net, State at, String configYaml, Retention retention) {
        Path dir = run.path(DIR);
        long step = at.step();
        Path tmp = new Path(dir, ".tmp-" + String.format("step-%08d", step) + "-" + UUID.randomUUID());
        Path target = new Path(dir, String.format("step-%08d", step));
        try {
            FileSystem fs = tmp.getFileSystem(run.conf());
            fs.mkdirs(tmp);
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(fs.create(new Path(tmp, "model.zip"), false), sha)) {
                ModelSerializer.writeModel(net, out, true);
            }
            FrozenWeights.Source frozenSource = Graphs.modelLayer(net).frozenWeights();
            if (frozenSource == null || !frozenSource.base()) {
                // the network's own frozen values go with it; a base read in place is recorded, not read or copied
                Map<String, INDArray> frozen = Graphs.frozenParameters(net);
                frozenSource = frozen.isEmpty() ? null : new FrozenWeights.Source(FrozenWeightsFiles.NAME,
                        FrozenWeightsFiles.write(frozen, fs, new Path(tmp, FrozenWeightsFiles.NAME)));
            }
            State state = at.written(HexFormat.of().formatHex(sha.digest()), frozenSource, Instant.now().toString());
            write(fs, new Path(tmp, "config.yaml"), configYaml);
            write(fs, new Path(tmp, "state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
            if (fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename " + tmp + " -> " + target + " failed");
            }
            prune(fs, dir, retention);
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
                } catch (org.apache.hadoop.fs.ChecksumException e) {
                    throw new IllegalArgumentException(path + "/model.zip is damaged: the file system's checksum "
                            + "does not match at byte " + e.getPos(), e);
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                if (!actual.equals(state.modelSha256())) {
                    throw new IllegalArgumentException(path + "/model.zip is damaged: its SHA-256 " + actual
                            + " differs from the one recorded at save time");
                }
                ComputationGraph net;
                try {
                    net = ModelSerializer.restoreComputationGraph(local.toFile(), true);
                } catch (IllegalArgumentException e) {
                    String why = String.valueOf(e.getMessage());
                    if (state.frozenSha256() == null && (why.startsWith("Invalid parameters: expected length")
                            || why.startsWith("parameter vector has"))) {
                        throw new IllegalArgumentException(path + ": a checkpoint of a model with frozen parts "
                                + "written before they were kept outside DL4J's parameters (no frozen_sha256 in "
                                + "state.json); this version cannot read it: train that step again", e);
                    }
                    throw e;
                }
                if (state.frozenBase() != null) {
                    FrozenWeights.Source base = FrozenWeightsFiles.base(state.frozenBase(), conf);
                    if (!base.sha256().equals(state.frozenSha256())) {
                        throw new IllegalArgumentException(path + ": its frozen base " + state.frozenBase() + " is not "
                                + "the one it was trained on (its files' names, sizes or headers changed)");
                    }
                    Graphs.useFrozen(net, base, null);
                } else if (state.frozenSha256() != null) {
                    Path frozen = fs.makeQualified(new Path(path, FrozenWeightsFiles.NAME));
                    String frozenSha = FrozenWeightsFiles.sha256(fs, frozen);
                    if (!frozenSha.equals(state.frozenSha256())) {
                        throw new IllegalArgumentException(frozen + " is damaged: its SHA-256 " + frozenSha
                                + " differs from the one recorded at save time");
                    }
                    Graphs.useFrozen(net, new FrozenWeights.Source(frozen.toString(), frozenSha), null);
                }
                return new Loaded(path, state, net, read(fs, new Path(path, "config.yaml")));
            } finally {
                java.nio.file.Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint with the best value of a validation metric, and that value, if any checkpoint recorded it. */
    public Optional<Map.Entry<Path, Double>> best(String metric, String mode) {
        Map.Entry<Path, Double> best = null;
        for (Path p : complete()) {
            Optional<State> s = readState(p);
            Double v = s.map(State::valid).map(m -> m.get(metric)).orElse(null);
            if (v != null && !v.isNaN() && (best == null
                    || (mode.equals("max") ? v > best.getValue() : v < best.getValue()))) {
                best = Map.entry(p, v);
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The configuration of the newest checkpoint that has one (not yet verified against its model): what a resumed
     * run continues with.
     */
    public Optional<String> newestConfigYaml() {
        for (Path p : complete()) {
            try {
                FileSystem fs = p.getFileSystem(run.conf());
                Path yaml = new Path(p, "config.yaml");
                if (fs.exists(new Path(p, "state.json")) && fs.exists(yaml)) {
                    return Optional.of(read(fs, yaml));
                }
            } catch (IOException e) {
                log.warn("skipping checkpoint {}: {}", p, e.getMessage());
            }
        }
        return Optional.empty();
    }

    private Optional<State> readState(Path checkpoint) {
        try {
            FileSystem fs = checkpoint.getFileSystem(run.conf());
            return Optional.of(JSON.readValue(read(fs, new Path(checkpoint, "state.json")), State.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void prune(FileSystem fs, Path dir, Retention retention) throws IOException {
        List<Path> all = complete();
        Path best = retention.metric() == null ? null
                : best(retention.metric(), retention.mode()).map(Map.Entry::getKey).orElse(null);
        for (int i = retention.keepNewest(); i < all.size(); i++) {
            if (!all.get(i).equals(best)) {
                fs.delete(all.get(i), true);
            }
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
