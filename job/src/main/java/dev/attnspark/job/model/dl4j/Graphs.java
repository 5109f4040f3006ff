package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.nd4j.linalg.learning.config.NoOp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DL4J computation graph around a hosted model: one network input per named model input (in the order of the
 * model's {@code inputs()}), all feeding the {@link ModelVertex}, whose model layer is the output layer and computes
 * the model's own loss against the labels.
 */
public final class Graphs {
    public static final String MODEL = "model";

    private Graphs() {}

    /** @param seed the run seed (mixed into a non-zero ND4J seed: ND4J treats 0 as "unseeded") */
    public static ComputationGraphConfiguration of(ModelLayer layer, long seed, DataType dataType) {
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(Seeds.nd4j(seed))
                .dataType(dataType)
                .updater(new NoOp()) // the model layer brings its own optimizer
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder();
        String[] inputs = layer.model().inputs().toArray(String[]::new);
        layer.setLayerName(MODEL);
        return graph.addInputs(inputs)
                .addVertex(MODEL, new ModelVertex(graph.getGlobalConfiguration().clone().layer(layer).build()), inputs)
                .setOutputs(MODEL)
                .build();
    }

    /** The model layer of a network built by {@link #of}. */
    public static ModelLayer modelLayer(ComputationGraph net) {
        return (ModelLayer) net.getOutputLayer(0).conf().getLayer();
    }

    /**
     * The model's parameters by upstream name, as views into the network's parameters: writing one writes the
     * network.
     */
    public static Map<String, INDArray> parameters(ComputationGraph net) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        net.getOutputLayer(0).paramTable().forEach((k, v) -> out.put(ModelParamInitializer.upstreamName(k), v));
        return out;
    }
}
