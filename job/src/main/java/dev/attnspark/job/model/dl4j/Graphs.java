package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The DL4J computation graph around a hosted model: {@code input → model}, where the model layer is the output layer
 * and computes its own cross-entropy against integer labels (-100 ignored).
 */
public final class Graphs {
    public static final String INPUT = "input";
    public static final String MODEL = "model";

    private Graphs() {}

    /** @param seed the run seed (mixed into a non-zero ND4J seed: ND4J treats 0 as "unseeded") */
    public static ComputationGraphConfiguration of(ModelLayer layer, long seed, DataType dataType) {
        return new NeuralNetConfiguration.Builder()
                .seed(Seeds.nd4j(seed))
                .dataType(dataType)
                .updater(new NoOp()) // the model layer brings its own optimizer
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.feedForward(layer.model().inputSize()))
                .addLayer(MODEL, layer, INPUT)
                .setOutputs(MODEL)
                .build();
    }
}
