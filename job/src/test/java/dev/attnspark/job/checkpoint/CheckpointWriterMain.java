package dev.attnspark.job.checkpoint;

import dev.attnspark.job.model.perceiverio.ImageClassifierType;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.model.perceiverio.ImageClassifierConfig;
import dev.attnspark.job.train.optim.AdamW;
import dev.attnspark.job.train.optim.WarmupSchedule;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * Writes checkpoints of a biggish model at steps 1, 2, 3, ... until killed (the process a test kills mid-write).
 * Arguments: run folder, latent channels, first step, then any {@code key=value} Hadoop settings.
 */
public final class CheckpointWriterMain {
    public static void main(String[] args) {
        Configuration conf = new Configuration();
        for (int i = 3; i < args.length; i++) {
            conf.set(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
        }
        Checkpoints checkpoints = new Checkpoints(new RunDir(args[0], conf));
        ComputationGraph net = network(Integer.parseInt(args[1]));
        for (int step = Integer.parseInt(args[2]); ; step++) {
            checkpoints.save(net, 0, step, step, "task: test\n", 100);
            System.out.println("saved " + step);
        }
    }

    /** An image classifier with {@code channels} latent channels (parameters grow with its square). */
    public static ComputationGraph network(int channels) {
        ImageClassifierConfig c = new ImageClassifierConfig();
        c.encoder.imageShape = new int[] {28, 28, 1};
        c.encoder.numFrequencyBands = 8;
        c.encoder.numCrossAttentionHeads = 1;
        c.encoder.numSelfAttentionLayersPerBlock = 2;
        c.decoder.numOutputQueryChannels = channels;
        c.decoder.numCrossAttentionHeads = 1;
        c.decoder.numClasses = 10;
        c.numLatents = 8;
        c.numLatentChannels = channels;
        ModelLayer layer = new ModelLayer(Graphs.MODEL, ImageClassifierType.NAME, c,
                new AdamW(WarmupSchedule.constant(1e-3, 0), 0.9, 0.999, 1e-8), List.of(), List.of());
        ComputationGraph net = new ComputationGraph(Graphs.of(layer, 1, DataType.FLOAT));
        net.init();
        return net;
    }
}
