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
 * once per JVM ({@link FrozenWeights}), checked against its SHA-256. Registered as the {@link FrozenWeights.Reader}
 * in {@code META-INF/services}.
 */
public final class FrozenWeightsFiles implements FrozenWeights.Reader {
    public static final String NAME = "frozen.safetensors";

    /**
     * Writes the network's frozen values to {@code file} and makes its model layer (and every layer instantiated from
     * its configuration, e.g. on executors) read them from there. Empty when nothing is frozen.
     */
    public static Optional<FrozenWeights.Source> publish(ComputationGraph net, Path file, Configuration conf) {
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

    @Override
    public Map<String, INDArray> read(FrozenWeights.Source source) throws IOException {
        Path file = new Path(source.location());
        FileSystem fs = file.getFileSystem(hadoopConf());
        // memory-map a local file; copy anything else to the local disk first (hashing it on the way)
        java.nio.file.Path local;
        java.nio.file.Path copy = null;
        String actual;
        if (fs instanceof LocalFileSystem localFs) {
            local = localFs.pathToFile(file).toPath();
            actual = sha256(fs, file);
        } else {
            copy = java.nio.file.Files.createTempFile("attnspark-frozen-", ".safetensors");
            local = copy;
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(fs.open(file), sha)) {
                java.nio.file.Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            actual = HexFormat.of().formatHex(sha.digest());
        }
        try {
            if (!actual.equals(source.sha256())) {
                throw new IOException("its SHA-256 " + actual + " differs from the one recorded when it was "
                        + "written (" + source.sha256() + "): the file was replaced or damaged");
            }
            // views of one flat array, as parameters are: ops treat a view as borrowed and never free it, and these
            // values are shared by every layer of the JVM
            Map<String, INDArray> out = new LinkedHashMap<>();
            try (SafetensorsFiles files = SafetensorsFiles.open(local)) {
                long total = 0;
                for (String name : files.names()) {
                    total += files.entry(name).count();
                }
                INDArray flat = Nd4j.create(DataType.FLOAT, 1, Math.max(total, 1));
                long at = 0;
                for (String name : files.names()) {
                    long n = files.entry(name).count();
                    INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(at, at + n))
                            .reshape('c', files.shape(name));
                    files.copyInto(name, view);
                    out.put(name, view);
                    at += n;
                }
            }
            return out;
        } finally {
            if (copy != null) {
                java.nio.file.Files.deleteIfExists(copy);
            }
        }
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
