package dev.attnspark.job.model.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.deeplearning4j.nn.gradient.Gradient;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The graph vertex of a {@link ModelLayer}: a layer vertex with one input per named model input (DL4J's own layer
 * vertex takes exactly one, and {@code addLayer} would concatenate several into one array, losing their names and
 * shapes). The network's inputs are the model's {@code inputs()} in order; each reaches the layer as it came.
 */
public class ModelVertex extends LayerVertex {

    /** For JSON. */
    protected ModelVertex() {}

    public ModelVertex(NeuralNetConfiguration layerConf) {
        super(layerConf, null);
    }

    @Override
    public int maxVertexInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return getLayerConf().getLayer().getOutputType(layerIndex, vertexInputs[0]);
    }

    @Override
    public GraphVertex clone() {
        ModelVertex c = new ModelVertex(getLayerConf().clone());
        c.setOutputVertex(isOutputVertex());
        return c;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        boolean output = graph.getConfiguration().getNetworkOutputs().contains(name);
        Layer layer = getLayerConf().getLayer().instantiate(getLayerConf(), null, idx, paramsView, initializeParams,
                networkDatatype);
        return new Runtime(graph, name, idx, layer, output, networkDatatype);
    }

    /** The vertex at run time: collects every input, then hands them to the model layer together. */
    static final class Runtime extends org.deeplearning4j.nn.graph.vertex.impl.LayerVertex {
        Runtime(ComputationGraph graph, String name, int idx, Layer layer, boolean output, DataType dataType) {
            super(graph, name, idx, layer, null, output, dataType);
        }

        @Override
        public void setInput(int inputNumber, INDArray input, LayerWorkspaceMgr workspaceMgr) {
            inputs[inputNumber] = input;
            setSetLayerInput(false);
            for (INDArray in : inputs) {
                if (in == null) {
                    return;
                }
            }
            applyPreprocessorAndSetInput(workspaceMgr);
        }

        @Override
        public void applyPreprocessorAndSetInput(LayerWorkspaceMgr workspaceMgr) {
            ((ModelLayerImpl) getLayer()).setInputs(inputs, workspaceMgr);
            setSetLayerInput(true);
        }

        /** The inputs are data: no gradient flows back to them (one null epsilon per input). */
        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            Pair<Gradient, INDArray[]> p = super.doBackward(tbptt, workspaceMgr);
            return new Pair<>(p.getFirst(), new INDArray[inputs.length]);
        }
    }
}
