package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J computation graphs around a hosted model: the model layer, then the loss of its task. */
public final class Graphs {
    public static final String INPUT = "input";
    public static final String MODEL = "model";
    public static final String LOSS = "loss";

    private Graphs() {}

    /**
     * A classifier: {@code input → model (logits) → softmax cross-entropy}, the mean over the batch as
     * {@code nn.CrossEntropyLoss}; labels are one-hot rows.
     */
    public static ComputationGraphConfiguration classifier(ModelLayer layer, long seed, DataType dataType) {
        Model model = layer.model();
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(new NoOp()) // the loss layer has no parameters; the model layer brings its own optimizer
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.feedForward(model.inputSize()))
                .addLayer(MODEL, layer, INPUT)
                .addLayer(LOSS, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .activation(Activation.SOFTMAX).build(), MODEL)
                .setOutputs(LOSS)
                .build();
    }
}
