package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Seeds;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.nd4j.linalg.learning.config.NoOp;

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

    /** The model layer of a configuration built by {@link #of}, before any network is made from it. */
    public static ModelLayer modelLayer(ComputationGraphConfiguration conf) {
        return (ModelLayer) ((ModelVertex) conf.getVertices().get(MODEL)).getLayerConf().getLayer();
    }

    /** The model layer of a network built by {@link #of}. */
    public static ModelLayer modelLayer(ComputationGraph net) {
        return (ModelLayer) net.getOutputLayer(0).conf().getLayer();
    }

    /**
     * All the model's parameters by upstream name, trainable (views into the network's parameters: writing one writes
     * the network) and frozen (see {@link ModelLayerImpl#parameters}).
     */
    public static Map<String, INDArray> parameters(ComputationGraph net) {
        return ((ModelLayerImpl) net.getOutputLayer(0)).parameters();
    }

    /**
     * The trainable parameters by upstream name, as views into the network's parameters; unlike {@link #parameters}
     * this never reads the frozen values (a frozen base read in place stays unread on a driver that only points at it).
     */
    public static Map<String, INDArray> trainableParameters(ComputationGraph net) {
        return dev.attnspark.job.model.ParamStore.views(modelLayer(net).trainableParameters(), net.params());
    }

    /**
     * Makes the network, and every network built from its configuration (e.g. on executors), read its frozen values
     * from {@code source}; {@code values} are this network's own copy of them, or null to read them there too.
     */
    public static void useFrozen(ComputationGraph net, FrozenWeights.Source source, Map<String, INDArray> values) {
        modelLayer(net).frozenWeights(source);
        ((ModelLayerImpl) net.getOutputLayer(0)).setFrozen(values);
    }

    /** The model's frozen parameters by upstream name (empty when nothing is frozen). */
    public static Map<String, INDArray> frozenParameters(ComputationGraph net) {
        return ((ModelLayerImpl) net.getOutputLayer(0)).frozenParameters();
    }
}
