package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.Output;
import dev.attnspark.job.model.autograd.Losses;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.Seeds;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.registry.ModelTypes;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runtime of {@link ModelLayer}: the whole model as DL4J's output layer. Its {@link ModelVertex} hands it every
 * named input; with the labels they make the model's {@link Batch}, and the model computes its outputs and its own
 * loss. DL4J runs no forward pass for an output layer during training; it calls {@link #backpropGradient} once, which
 * records the forward pass and the loss on a {@link Tape} and replays it in reverse (DL4J's SameDiff layers instead
 * recompute the forward pass inside backprop, and ignore the training flag).
 *
 * <p>All arrays of a step live in this layer's own workspace, entered afresh for each forward or training step:
 * memory is reused step after step instead of being allocated, zeroed by the kernel and left to the garbage
 * collector (which made a step several times slower). Only results leave it, copied into DL4J's workspaces.
 */
public final class ModelLayerImpl extends AbstractLayer<ModelLayer> implements IOutputLayer {
    /**
     * A step workspace: learns its size in the first step (and adds 10 %), or starts at {@code initialBytes}, a size
     * learned before, as it is; either way it still grows when a step needs more (first-loop learning, reallocation
     * of what spilled).
     */
    private static WorkspaceConfiguration stepWorkspace(long initialBytes) {
        return WorkspaceConfiguration.builder()
                .initialSize(initialBytes)
                .overallocationLimit(initialBytes == 0 ? 0.1 : 0)
                .policyLearning(LearningPolicy.FIRST_LOOP)
                .policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE)
                .policyAllocation(AllocationPolicy.OVERALLOCATE)
                .build();
    }

    /**
     * One workspace per thread, shared by all model layers the thread runs (never nested): parameter averaging
     * builds new networks every round, and a workspace per layer instance would be allocated anew, and leak, each time.
     */
    private static final String WORKSPACE_ID = "attnspark-model-step";
    /** By model (type and configuration): the largest step workspace released so far, the size of the next one. */
    private static final Map<String, Long> LEARNED_BYTES = new ConcurrentHashMap<>();
    /** The model whose steps last used this thread's workspace. */
    private static final ThreadLocal<String> LAST_MODEL = new ThreadLocal<>();
    private Map<String, INDArray> paramTable;
    private INDArray paramsView;
    private INDArray gradientsView;
    private ParamStore store;
    private Map<String, INDArray> frozen;
    private INDArray labels;
    private INDArray[] inputs;
    private Double scoreOfLastStep;
    private double score;
    private volatile StepStats lastStep;

    /** Loss sums of the last training step, for metrics: summed loss, counted targets, correct arg-maxes. */
    public record StepStats(double lossSum, long targets, long correct) {}

    public ModelLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private Model model() {
        return layerConf().model();
    }

    private ParamStore store() {
        if (store == null) {
            store = ParamStore.over(model().parameters(), layerConf()::isFrozen, paramsView, gradientsView, frozen());
        }
        return store;
    }

    private Map<String, INDArray> frozen() {
        if (frozen == null) {
            List<ParamSpec> specs = layerConf().frozenParameters();
            FrozenWeights.Source source = layerConf().frozenWeights();
            if (specs.isEmpty()) {
                frozen = Map.of();
            } else if (source == null) {
                throw new IllegalStateException("layer " + layerConf().getLayerName() + " has " + specs.size()
                        + " frozen parameters and no values for them: the network was neither initialized nor given "
                        + "published frozen weights");
            } else {
                frozen = FrozenWeights.get(source, specs, ModelTypes.get(layerConf().modelType()).renames());
            }
        }
        return frozen;
    }

    /** Values of the frozen parameters: a new network's own, or null to read the layer's published ones. */
    void setFrozen(Map<String, INDArray> values) {
        this.frozen = values;
        this.store = null;
    }

    /**
     * Every parameter by upstream name, trainable (views of DL4J's parameters) and frozen. Writing one writes the
     * network; frozen values may be shared by every layer of the JVM, so only a new network's are written.
     */
    public Map<String, INDArray> parameters() {
        return store().values();
    }

    /** The frozen parameters by upstream name (empty when nothing is frozen). */
    public Map<String, INDArray> frozenParameters() {
        return frozen();
    }

    private MemoryWorkspace workspace() {
        String model = layerConf().modelType() + layerConf().modelConfigJson();
        LAST_MODEL.set(model);
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (workspaces.checkIfWorkspaceExists(WORKSPACE_ID)) {
            return workspaces.getWorkspaceForCurrentThread(WORKSPACE_ID);
        }
        return workspaces.getWorkspaceForCurrentThread(stepWorkspace(LEARNED_BYTES.getOrDefault(model, 0L)),
                WORKSPACE_ID);
    }

    /**
     * Frees the calling thread's step memory: for a thread that may not run a step again soon, as when a Spark task
     * that trained or validated ends (Spark's task threads come and go, and each would otherwise keep a step's worth
     * of native memory for as long as it lives). The next step of the same model on any thread allocates the size
     * learned so far at once, without a slow first step.
     */
    public static void releaseThreadMemory() {
        MemoryWorkspaceManager workspaces = Nd4j.getWorkspaceManager();
        if (workspaces.checkIfWorkspaceExists(WORKSPACE_ID)) {
            MemoryWorkspace ws = workspaces.getWorkspaceForCurrentThread(WORKSPACE_ID);
            String model = LAST_MODEL.get();
            if (model != null) {
                LEARNED_BYTES.merge(model, ws.getCurrentSize(), Math::max);
            }
            workspaces.destroyWorkspace(ws);
        }
        Tape.releaseScratch();
    }

    /** Inference (or a forward pass DL4J asks for): the model output, e.g. class logits. */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        try (MemoryWorkspace ws = workspace().notifyScopeEntered();
             Tape tape = new Tape(training, false, store())) {
            seedDropout(training);
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, model().forward(tape, batch(false)).logits().value());
        }
    }

    /** One training step: forward pass and the model's loss, backward pass into the gradient views. */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Batch batch = batch(true);
        long rows = input.size(0);
        int parts = (int) Math.min(layerConf().microBatches(), rows);
        seedDropout(true);
        store().zeroGrads();
        double meanSum = 0, lossSum = 0;
        long targets = 0, correct = 0;
        for (int i = 0; i < parts; i++) {
            try (MemoryWorkspace ws = workspace().notifyScopeEntered();
                 Tape tape = new Tape(true, true, store())) {
                Output out = model().forward(tape, parts == 1 ? batch : rows(batch, rows * i / parts,
                        rows * (i + 1) / parts));
                // DL4J divides the gradient by the minibatch size before its updater: scale the mean loss back up;
                // micro-batches count equally, as Lightning divides each one's loss by accumulate_grad_batches
                tape.backward(out.loss(), Nd4j.scalar(out.loss().value().dataType(), (double) rows / parts));
                meanSum += out.scored().mean();
                lossSum += out.scored().lossSum();
                targets += out.scored().counted();
                correct += out.scored().correct();
            }
        }
        scoreOfLastStep = meanSum / parts;
        lastStep = new StepStats(lossSum, targets, correct);
        Gradient g = new DefaultGradient(gradientsView);
        for (Map.Entry<String, INDArray> e : store().grads().entrySet()) {
            g.gradientForVariable().put(ModelParamInitializer.dl4jKey(e.getKey()), e.getValue());
        }
        return new Pair<>(g, null);
    }

    /** Rows [from, to) of every array with one row per example (others, such as {@code prefix_len}, as they are). */
    private static Batch rows(Batch batch, long from, long to) {
        long n = batch.size();
        Map<String, INDArray> part = new java.util.LinkedHashMap<>();
        batch.arrays().forEach((name, a) -> part.put(name, a.size(0) == n
                ? a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).dup('c') : a));
        return new Batch(part);
    }

    /**
     * Scores a labelled batch in inference mode (dropout off), outside DL4J's own passes: the loss sums of the model.
     */
    public Losses.CrossEntropy score(Batch batch) {
        try (MemoryWorkspace ws = workspace().notifyScopeEntered();
             Tape tape = new Tape(false, false, store())) {
            return model().forward(tape, batch).scored();
        }
    }

    /** The inputs, in the order of the model's {@code inputs()}, as {@link ModelVertex} collects them. */
    void setInputs(INDArray[] arrays, LayerWorkspaceMgr workspaceMgr) {
        INDArray[] in = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            in[i] = workspaceMgr.leverageTo(ArrayType.INPUT, arrays[i]);
        }
        this.inputs = in;
        setInput(in[0], workspaceMgr);
    }

    private Batch batch(boolean withLabels) {
        if (withLabels && labels == null) {
            throw new IllegalStateException("no labels set on layer " + layerConf().getLayerName());
        }
        INDArray[] in = inputs != null && inputs[0] == input ? inputs : new INDArray[] {input};
        return Batch.of(model().inputs(), in, withLabels ? labels : null);
    }

    /**
     * Dropout masks as a function of the run seed, the step and the batch: a resumed run draws exactly the masks
     * the uninterrupted run would have, and parallel workers (same step, other data) draw different ones.
     */
    private void seedDropout(boolean training) {
        if (training) {
            Nd4j.getRandom().setSeed(Seeds.nd4j(conf().getSeed(), conf().getIterationCount(),
                    Double.doubleToLongBits(input.sumNumber().doubleValue())));
        }
    }

    /** The loss sums of the last training step (null before the first). */
    public StepStats lastStep() {
        return lastStep;
    }

    @Override
    public double computeScore(double fullNetworkRegScore, boolean training, LayerWorkspaceMgr workspaceMgr) {
        double mean;
        if (scoreOfLastStep != null) {
            mean = scoreOfLastStep;
            scoreOfLastStep = null;
        } else {
            try (MemoryWorkspace ws = workspace().notifyScopeEntered();
                 Tape tape = new Tape(training, false, store())) {
                seedDropout(training);
                mean = model().forward(tape, batch(true)).scored().mean();
            }
        }
        score = mean + fullNetworkRegScore;
        return score;
    }

    @Override
    public double score() {
        return score;
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetworkRegScore, LayerWorkspaceMgr workspaceMgr) {
        throw new UnsupportedOperationException("per-example scores are not supported; use the evaluate verb");
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public void setLabels(INDArray labels) {
        this.labels = labels;
        this.scoreOfLastStep = null;
    }

    @Override
    public INDArray getLabels() {
        return labels;
    }

    @Override
    public void clear() {
        super.clear();
        labels = null;
        inputs = null;
    }

    @Override
    public double f1Score(DataSet data) {
        throw unsupported();
    }

    @Override
    public double f1Score(INDArray examples, INDArray labels) {
        throw unsupported();
    }

    @Override
    public int numLabels() {
        throw unsupported();
    }

    @Override
    public void fit(DataSetIterator iter) {
        throw unsupported();
    }

    @Override
    public int[] predict(INDArray examples) {
        throw unsupported();
    }

    @Override
    public List<String> predict(DataSet dataSet) {
        throw unsupported();
    }

    @Override
    public void fit(INDArray examples, INDArray labels) {
        throw unsupported();
    }

    @Override
    public void fit(DataSet data) {
        throw unsupported();
    }

    @Override
    public void fit(INDArray examples, int[] labels) {
        throw unsupported();
    }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("train and evaluate through the ComputationGraph");
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
