package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.autograd.Var;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * The runtime of {@link ModelLayer}: a training forward pass records a {@link Tape}, and backprop replays it in
 * reverse, once. (DL4J's SameDiff layers recompute the forward pass inside backprop and do not see the training
 * flag.) The model's intermediate arrays live outside DL4J's workspaces, from the forward pass until backprop.
 */
public final class ModelLayerImpl extends AbstractLayer<ModelLayer> {
    private Map<String, INDArray> paramTable;
    private INDArray paramsView;
    private INDArray gradientsView;
    private ParamStore store;
    private Tape tape;
    /** Parameter views as of now: DL4J may replace the views, or set the gradient view only at backprop. */
    private final Tape.ParamSource params = new Tape.ParamSource() {
        @Override
        public INDArray value(String name) {
            return store().value(name);
        }

        @Override
        public boolean trainable(String name) {
            return store().trainable(name);
        }

        @Override
        public INDArray grad(String name) {
            return store().grad(name);
        }
    };
    private Var output;
    private Var inputVar;

    public ModelLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private Model model() {
        return layerConf().model();
    }

    private ParamStore store() {
        if (store == null) {
            store = ParamStore.over(model().parameters(), paramsView, gradientsView, layerConf()::isFrozen);
        }
        return store;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        closeTape();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray in = input.isAttached() ? input.detach() : input;
            boolean record = training;
            tape = new Tape(training, record, params);
            inputVar = model().inputNeedsGradient() && record ? tape.input(in) : null;
            output = model().forward(tape, in);
            INDArray out = output.value();
            if (!record) {
                out = out.dup();
                closeTape();
            }
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (tape == null || !tape.recording()) {
            throw new IllegalStateException("backprop without a training forward pass in layer " + layerConf().getLayerName());
        }
        INDArray dInput = null;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            store().zeroGrads();
            tape.backward(output, epsilon.reshape(output.shape()));
            if (inputVar != null && inputVar.grad() != null) {
                dInput = inputVar.grad().dup();
            }
        } finally {
            closeTape();
        }
        Gradient g = new DefaultGradient(gradientsView);
        for (Map.Entry<String, INDArray> e : store().grads().entrySet()) {
            g.gradientForVariable().put(ModelParamInitializer.dl4jKey(e.getKey()), e.getValue());
        }
        return new Pair<>(g, dInput == null ? null : workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dInput));
    }

    private void closeTape() {
        if (tape != null) {
            tape.close();
            tape = null;
            output = null;
            inputVar = null;
        }
    }

    @Override
    public void clear() {
        super.clear();
        closeTape();
    }

    @Override
    public Layer clone() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public INDArray params() {
        return paramsView;
    }

    @Override
    public INDArray getParam(String param) {
        return paramTable.get(param);
    }

    @Override
    public long numParams() {
        return paramsView == null ? 0 : paramsView.length();
    }

    @Override
    public void setParam(String key, INDArray val) {
        INDArray current = paramTable.get(key);
        if (current == null) {
            throw new IllegalArgumentException("no parameter " + key + " in layer " + layerConf().getLayerName());
        }
        if (!Arrays.equals(current.shape(), val.shape())) {
            throw new IllegalArgumentException("parameter " + key + " has shape " + Arrays.toString(current.shape())
                    + ", cannot set " + Arrays.toString(val.shape()));
        }
        current.assign(val);
    }

    @Override
    public void setParams(INDArray params) {
        if (paramsView.length() != params.length()) {
            throw new IllegalArgumentException("layer has " + paramsView.length() + " parameters, got " + params.length());
        }
        paramsView.assign(params.reshape(paramsView.shape()));
    }

    @Override
    public void setParamsViewArray(INDArray params) {
        this.paramsView = params;
        this.store = null;
    }

    @Override
    public INDArray getGradientsViewArray() {
        return gradientsView;
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray gradients) {
        this.gradientsView = gradients;
        this.store = null;
    }

    @Override
    public void setParamTable(Map<String, INDArray> paramTable) {
        if (this.paramTable == null) {
            this.paramTable = paramTable;
        } else {
            paramTable.forEach(this::setParam);
        }
    }

    @Override
    public Map<String, INDArray> paramTable() {
        return paramTable;
    }

    @Override
    public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
        return paramTable;
    }
}
