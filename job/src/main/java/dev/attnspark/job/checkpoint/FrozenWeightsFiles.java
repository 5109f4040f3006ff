package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.dl4j.FrozenWeights;
import dev.attnspark.job.model.dl4j.Graphs;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A network's frozen values as a safetensors file on any Hadoop file system (a run's {@value #NAME}, and one in each
 * checkpoint): the driver writes it atomically and points the network's model layer at it; executors read it back
 * once per JVM ({@link FrozenWeights}), checked against its SHA-256. A frozen base can instead be read in place from
 * the upstream checkpoint it was loaded from ({@link #base}), memory-mapped where it is local. Registered as the
 * {@link FrozenWeights.Reader} in {@code META-INF/services}.
 */
public final class FrozenWeightsFiles implements FrozenWeights.Reader {
    public static final String NAME = "frozen.safetensors";

    /**
     * Writes the network's frozen values to {@code file} and makes its model layer (and every layer instantiated from
     * its configuration, e.g. on executors) read them from there. Empty when nothing is frozen.
     */
    public static Optional<FrozenWeights.Source> publish(ComputationGraph net, Path file, Configuration conf) {
        FrozenWeights.Source current = Graphs.modelLayer(net).frozenWeights();
        if (current != null && current.base()) {
            return Optional.of(current); // read in place from the upstream checkpoint: nothing to copy
        }
        Map<String, INDArray> frozen = Graphs.frozenParameters(net);
        if (frozen.isEmpty()) {
            return Optional.empty();
        }
        try {
            FileSystem fs = file.getFileSystem(conf);
            Path qualified = fs.makeQualified(file);
            String sha = write(frozen, fs, qualified);
            FrozenWeights.Source source = new FrozenWeights.Source(qualified.toString(), sha);
            FrozenWeights.share(source, frozen);
            Graphs.useFrozen(net, source, frozen);
            return Optional.of(source);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the frozen weights to " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes tensors as safetensors to {@code file}, atomically (a hidden sibling renamed into place); their SHA-256. */
    static String write(Map<String, INDArray> tensors, FileSystem fs, Path file) throws IOException {
        Path tmp = new Path(file.getParent(), "." + file.getName() + "-" + UUID.randomUUID());
        MessageDigest sha = sha256();
        try (OutputStream out = new DigestOutputStream(fs.create(tmp, false), sha)) {
            Safetensors.write(tensors, Map.of(), out);
        } catch (IOException e) {
            fs.delete(tmp, false);
            throw e;
        }
        // Hadoop file systems do not rename over an existing file: the old one goes first, the new one stays
        // under its hidden name if the rename fails
        if (fs.exists(file)) {
            fs.delete(file, false);
        }
        if (!fs.rename(tmp, file)) {
            throw new IOException("rename " + tmp + " -> " + file + " failed (the values are in " + tmp + ")");
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The SHA-256 of a file. */
    static String sha256(FileSystem fs, Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(fs.open(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * An upstream checkpoint (a safetensors file, a sharded index, or a folder holding either) as the source of a
     * network's frozen values, read in place by every JVM instead of copied into the run.
     */
    public static FrozenWeights.Source base(String location, Configuration conf) {
        try {
            Path p = new Path(location);
            FileSystem fs = p.getFileSystem(conf);
            Path qualified = fs.makeQualified(p);
            return new FrozenWeights.Source(qualified.toString(), headersDigest(fs, qualified), true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + location + ": " + e.getMessage(), e);
        }
    }

    /** The files of a checkpoint: itself if a file, else a folder's index and shards or its single file. */
    private static java.util.List<Path> checkpointFiles(FileSystem fs, Path location) throws IOException {
        if (!fs.getFileStatus(location).isDirectory()) {
            return java.util.List.of(location);
        }
        java.util.List<Path> files = new java.util.ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(location)) {
            String name = f.getPath().getName();
            if (f.isFile() && (name.endsWith(".safetensors") || name.equals(SafetensorsFiles.INDEX))) {
                files.add(f.getPath());
            }
        }
        if (files.isEmpty()) {
            throw new java.io.FileNotFoundException(location + " holds no safetensors files");
        }
        files.sort(java.util.Comparator.comparing(Path::getName));
        return files;
    }

    /** SHA-256 over each file's name, size and safetensors header (the JSON, which has every tensor's offsets). */
    static String headersDigest(FileSystem fs, Path location) throws IOException {
        MessageDigest sha = sha256();
        for (Path f : checkpointFiles(fs, location)) {
            long size = fs.getFileStatus(f).getLen();
            sha.update(f.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(java.nio.ByteBuffer.allocate(8).putLong(size).array());
            try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(f)) {
                if (f.getName().endsWith(".json")) {
                    sha.update(in.readAllBytes());
                    continue;
                }
                byte[] len = new byte[8];
                in.readFully(0, len);
                long headerLen = SafetensorsFiles.checkHeaderLength(java.nio.ByteBuffer.wrap(len)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), size, f);
                byte[] header = new byte[(int) headerLen];
                in.readFully(8, header);
                sha.update(header);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public Map<String, INDArray> read(FrozenWeights.Source source, java.util.Set<String> names,
                                      Map<String, String> renames) throws IOException {
        Path location = new Path(source.location());
        FileSystem fs = location.getFileSystem(hadoopConf());
        // memory-map local files; copy anything else to the local disk first
        java.nio.file.Path local;
        java.nio.file.Path copy = null;
        try {
            if (fs instanceof LocalFileSystem localFs) {
                local = localFs.pathToFile(location).toPath();
            } else {
                copy = java.nio.file.Files.createTempDirectory("attnspark-frozen-");
                for (Path f : checkpointFiles(fs, location)) {
                    try (InputStream in = fs.open(f)) {
                        java.nio.file.Files.copy(in, copy.resolve(f.getName()));
                    }
                }
                local = fs.getFileStatus(location).isDirectory() ? copy : copy.resolve(location.getName());
            }
            FileSystem localFs = FileSystem.getLocal(hadoopConf());
            Path localPath = localFs.makeQualified(new Path(local.toUri()));
            String actual = source.base() ? headersDigest(localFs, localPath) : sha256(localFs, localPath);
            if (!actual.equals(source.sha256())) {
                throw new IOException(source.base()
                        ? "its files' names, sizes or headers differ from those seen when the run started: the "
                                + "checkpoint was replaced"
                        : "its SHA-256 " + actual + " differs from the one recorded when it was written ("
                                + source.sha256() + "): the file was replaced or damaged");
            }
            try (SafetensorsFiles files = SafetensorsFiles.open(local)) {
                return views(files, names, renames);
            }
        } finally {
            if (copy != null) {
                org.apache.commons.io.FileUtils.deleteQuietly(copy.toFile());
            }
        }
    }

    /**
     * The tensors {@code names} (ours) of {@code files}, as views of one flat array per type, as parameters are: ops
     * treat a view as borrowed and never free it, and these values are shared by every layer of the JVM. Floats keep
     * 16 bits where the file has them (a BF16 base stays BF16); the rest are float32.
     */
    private static Map<String, INDArray> views(SafetensorsFiles files, java.util.Set<String> names,
                                               Map<String, String> renames) throws IOException {
        Map<String, String> keyOf = new LinkedHashMap<>();
        for (String key : files.names()) {
            String name = UpstreamWeights.resolveName(key, renames, names);
            if (name != null) {
                keyOf.put(name, key);
            }
        }
        java.util.List<String> missing = names.stream().filter(n -> !keyOf.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new IOException("it has no tensor for " + missing.size() + " frozen parameters: "
                    + String.join(", ", missing.subList(0, Math.min(8, missing.size())))
                    + (missing.size() > 8 ? ", ..." : ""));
        }
        Map<DataType, Long> totals = new LinkedHashMap<>();
        for (String n : names) {
            totals.merge(typeOf(files.entry(keyOf.get(n)).dtype()), files.entry(keyOf.get(n)).count(), Long::sum);
        }
        Map<DataType, INDArray> flats = new LinkedHashMap<>();
        totals.forEach((type, total) -> flats.put(type, Nd4j.create(type, 1, Math.max(total, 1))));
        Map<DataType, Long> at = new LinkedHashMap<>();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : names) {
            SafetensorsFiles.Entry e = files.entry(keyOf.get(n));
            DataType type = typeOf(e.dtype());
            long from = at.getOrDefault(type, 0L), count = e.count();
            INDArray view = flats.get(type).get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + count))
                    .reshape('c', e.shape());
            files.copyInto(keyOf.get(n), view);
            out.put(n, view);
            at.put(type, from + count);
        }
        return out;
    }

    private static DataType typeOf(String dtype) {
        return switch (dtype) {
            case "BF16" -> DataType.BFLOAT16;
            case "F16" -> DataType.HALF;
            default -> DataType.FLOAT;
        };
    }

    /** On an executor, the Hadoop configuration Spark gives its own readers ({@code spark.hadoop.*} included). */
    private static Configuration hadoopConf() {
        SparkEnv env = SparkEnv.get();
        return env == null ? new Configuration() : SparkHadoopUtil.get().newConfiguration(env.conf());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
