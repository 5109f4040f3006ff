package dev.attnspark.job.model.dl4j;

import dev.attnspark.job.model.ParamSpec;
import dev.attnspark.job.model.ParamStore;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lays a hosted model's trainable parameters out in DL4J's flat vector, in the model's declaration order (frozen ones
 * are not DL4J parameters: see {@link ModelLayer}). DL4J keys are the
 * upstream names with {@code _} written as {@code -}: DL4J splits gradient keys at the last underscore to find the
 * layer name, and upstream names never contain {@code -}.
 */
final class ModelParamInitializer implements ParamInitializer {
    static final ModelParamInitializer INSTANCE = new ModelParamInitializer();

    /** The DL4J parameter key of an upstream parameter name. */
    static String dl4jKey(String upstreamName) {
        return upstreamName.replace('_', '-');
    }

    /** The upstream parameter name of a DL4J parameter key. */
    static String upstreamName(String dl4jKey) {
        return dl4jKey.replace('-', '_');
    }

    private static Map<String, INDArray> byDl4jKey(Map<String, INDArray> views) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        views.forEach((k, v) -> out.put(dl4jKey(k), v));
        return out;
    }

    private static List<ParamSpec> specs(Layer layer) {
        return ((ModelLayer) layer).trainableParameters();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return ParamStore.size(specs(layer));
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return specs(layer).stream().map(s -> dl4jKey(s.name())).toList();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return paramKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        List<ParamSpec> specs = specs(conf.getLayer());
        Map<String, INDArray> views = ParamStore.views(specs, paramsView);
        if (initializeParams) {
            ParamStore.initialize(specs, views);
        }
        for (ParamSpec s : specs) {
            conf.addVariable(dl4jKey(s.name()));
        }
        return byDl4jKey(views);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return byDl4jKey(ParamStore.views(specs(conf.getLayer()), gradientView));
    }
}
