package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.dl4j.FrozenWeights;
import dev.attnspark.job.model.dl4j.Graphs;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads {@code model.params} and {@code model.encoder.params} into a fresh network: from a checkpoint or run folder of
 * this job (any Hadoop file system; the newest intact checkpoint of a run), or from safetensors on the local disk
 * under upstream names (a file, a sharded index, or a folder holding either, e.g. perceiver-io's Hugging Face export
 * of {@code krasserm/perceiver-io-mlm}). Parameters are copied straight into the network's parameter views.
 */
public final class StartingWeights {
    private StartingWeights() {}

    /** Loads every start of {@code type} into {@code net}; returns one line per start for the log. */
    public static <C> List<String> load(ComputationGraph net, ModelType<C> type, C config, Configuration conf) {
        List<String> lines = new ArrayList<>();
        Model model = Graphs.modelLayer(net).model();
        FrozenWeights.Source base = Graphs.modelLayer(net).frozenWeights();
        for (ModelType.Start s : type.startingWeights(config)) {
            // a frozen base read in place from these files already holds the frozen part: load (and read) only the rest
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> views = base != null && base.base()
                    && base.location().equals(qualified(s.path(), conf)) ? Graphs.trainableParameters(net)
                    : Graphs.parameters(net);
            UpstreamWeights.Report r;
            String what;
            if (isJobCheckpoint(s.path(), conf)) {
                Checkpoints.Loaded from = Checkpoints.load(new Path(s.path()), conf);
                r = UpstreamWeights.load(WeightSource.of(Graphs.parameters(from.network())), model, views,
                        s.key() + "=" + from.dir(), Map.of(), s.prefix());
                what = "checkpoint " + from.dir() + " (step " + from.state().step() + ")";
            } else {
                try (SafetensorsFiles files = SafetensorsFiles.open(java.nio.file.Path.of(s.path()))) {
                    r = UpstreamWeights.load(files, model, views, s.key() + "=" + s.path(), type.renames(),
                            s.prefix());
                    what = "safetensors " + s.path();
                } catch (IOException e) {
                    String why = e instanceof java.nio.file.NoSuchFileException n && n.getReason() != null
                            ? n.getReason() : e.getMessage();
                    throw new IllegalArgumentException(s.key() + "=" + s.path() + ": " + why + " (expected a "
                            + "checkpoint or run folder of this job, or safetensors: a .safetensors file, an index, or "
                            + "a folder holding model.safetensors)", e);
                }
            }
            lines.add(String.format("%s: %,d tensors%s from %s", s.key(), r.loaded(),
                    s.prefix().isEmpty() ? "" : " under " + s.prefix(), what));
        }
        return lines;
    }

    private static String qualified(String path, Configuration conf) {
        try {
            Path p = new Path(path);
            return p.getFileSystem(conf).makeQualified(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** A folder with {@code state.json} (a checkpoint) or {@code checkpoints/} (a run). */
    private static boolean isJobCheckpoint(String path, Configuration conf) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            return fs.exists(new Path(p, "state.json")) || fs.exists(new Path(p, Checkpoints.DIR));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
