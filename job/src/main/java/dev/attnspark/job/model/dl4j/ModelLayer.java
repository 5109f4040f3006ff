package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import dev.attnspark.job.model.registry.ModelTypes;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * DL4J layer configuration hosting a whole {@link Model} (a Perceiver IO model is one layer: its shared blocks and
 * tied embeddings need one parameter set). Serialized with the network configuration, so it names the model type and
 * carries the model's configuration as JSON; the model itself is rebuilt wherever the layer is instantiated.
 *
 * <p>Parameters whose names start with one of {@code frozenPrefixes} are not DL4J parameters at all: DL4J's flat
 * parameter, gradient and updater vectors (and gradient sharing's residuals) hold only the trainable ones, so a frozen
 * part costs no gradient memory. Their values come from {@link FrozenWeights}: initialized here when the network is
 * new, else read from where the driver published them ({@link #frozenWeights}), one copy per JVM.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
public class ModelLayer extends Layer {
    private String modelType;
    private String modelConfig;
    private IUpdater updater;
    private List<Regularization> regularization = new ArrayList<>();
    private List<String> frozenPrefixes = new ArrayList<>();
    private double gradientClipNorm = Double.NaN;
    /** Micro-batches a training batch is split into, each back-propagated on its own (gradient accumulation). */
    private int microBatches = 1;
    /** Where the frozen values are published, and their hash (plain strings: Kryo serializes this too). */
    private String frozenLocation;
    private String frozenSha256;
    /** Whether the frozen values are read in place from an upstream checkpoint (see {@link FrozenWeights.Source}). */
    private boolean frozenBase;
    private transient Model model;

    /** For JSON. */
    protected ModelLayer() {}

    /**
     * @param name           layer name in the graph
     * @param modelType      a {@link ModelTypes} name
     * @param modelConfig    the model configuration object
     * @param updater        optimizer of the trainable parameters
     * @param regularization applied to every trainable parameter the model type decays (decoupled weight decay)
     * @param frozenPrefixes parameter-name prefixes that are not trained
     */
    public ModelLayer(String name, String modelType, Object modelConfig, IUpdater updater,
                      List<Regularization> regularization, List<String> frozenPrefixes) {
        this.layerName = name;
        this.modelType = modelType;
        this.modelConfig = ModelTypes.toJson(modelConfig);
        this.updater = updater;
        this.regularization = new ArrayList<>(regularization);
        this.frozenPrefixes = new ArrayList<>(frozenPrefixes);
    }

    /**
     * Clips the gradient to this L2 norm (the whole model is this one layer, so DL4J's per-layer clipping is
     * {@code torch.nn.utils.clip_grad_norm_} over all parameters). NaN: no clipping.
     */
    public ModelLayer gradientClipNorm(double maxNorm) {
        this.gradientClipNorm = maxNorm;
        return this;
    }

    /**
     * Gradient accumulation as Lightning's {@code accumulate_grad_batches}: a training batch is split into this many
     * micro-batches, run forward and backward one after the other (so only one micro-batch's activations exist at a
     * time), their mean losses weighted equally, and the optimizer steps once.
     */
    public ModelLayer microBatches(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("micro-batches must be >= 1, got " + n);
        }
        this.microBatches = n;
        return this;
    }

    public int microBatches() {
        return microBatches;
    }

    @Override
    public GradientNormalization getGradientNormalization() {
        return Double.isNaN(gradientClipNorm) ? GradientNormalization.None : GradientNormalization.ClipL2PerLayer;
    }

    @Override
    public double getGradientNormalizationThreshold() {
        return gradientClipNorm;
    }

    public synchronized Model model() {
        if (model == null) {
            model = ModelTypes.fromJson(modelType, modelConfig);
        }
        return model;
    }

    public String modelType() {
        return modelType;
    }

    public String modelConfigJson() {
        return modelConfig;
    }

    public List<String> frozenPrefixes() {
        return frozenPrefixes;
    }

    /** The trainable parameters: DL4J's parameters, in declaration order. */
    public List<ParamSpec> trainableParameters() {
        return model().parameters().stream().filter(p -> !isFrozen(p.name())).toList();
    }

    /** The frozen parameters, in declaration order. */
    public List<ParamSpec> frozenParameters() {
        return model().parameters().stream().filter(p -> isFrozen(p.name())).toList();
    }

    /** Where instances of this layer read the frozen values (null: not published yet). */
    public FrozenWeights.Source frozenWeights() {
        return frozenLocation == null ? null : new FrozenWeights.Source(frozenLocation, frozenSha256, frozenBase);
    }

    /** Makes layers instantiated from this configuration (e.g. on executors) read the frozen values from there. */
    public void frozenWeights(FrozenWeights.Source source) {
        this.frozenLocation = source == null ? null : source.location();
        this.frozenSha256 = source == null ? null : source.sha256();
        this.frozenBase = source != null && source.base();
    }

    /** Whether a parameter (upstream name or DL4J key) is frozen. */
    public boolean isFrozen(String param) {
        String name = ModelParamInitializer.upstreamName(param);
        return frozenPrefixes.stream().anyMatch(name::startsWith);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType networkDataType) {
        ModelLayerImpl layer = new ModelLayerImpl(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        if (initializeParams && frozenLocation == null) {
            layer.setFrozen(FrozenWeights.initialize(frozenParameters(), networkDataType));
        }
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return ModelParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType; // the model's outputs have their own shapes; DL4J infers nothing after this layer
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // the model's configuration fixes its input size
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isFrozen(paramName) || !ModelTypes.get(modelType).decays(ModelParamInitializer.upstreamName(paramName))
                ? List.of() : regularization;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return isFrozen(paramName) ? new NoOp() : updater;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, ModelLayer.class, inputType, getOutputType(-1, inputType))
                .standardMemory(ParamStore.size(trainableParameters()), 0)
                .workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    @Override
    public ModelLayer clone() {
        ModelLayer c = (ModelLayer) super.clone();
        c.regularization = new ArrayList<>(regularization);
        c.frozenPrefixes = new ArrayList<>(frozenPrefixes);
        c.updater = updater == null ? null : updater.clone();
        return c;
    }
}
