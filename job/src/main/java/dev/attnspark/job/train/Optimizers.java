package dev.attnspark.job.train;

import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.LrSchedulerConfig;
import dev.attnspark.job.config.OptimizerConfig;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.dl4j.ModelLayer;
import dev.attnspark.job.task.Task;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import dev.attnspark.job.train.optim.AdamW;
import dev.attnspark.job.train.optim.WarmupSchedule;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.ArrayList;
import java.util.List;

/** The optimizer, schedule and freezing of a run, turned into the model layer's DL4J settings. */
public final class Optimizers {
    private Optimizers() {}

    /** The learning-rate schedule over {@code totalSteps} optimizer steps. */
    public static WarmupSchedule schedule(OptimizerConfig o, LrSchedulerConfig s, long totalSteps) {
        return switch (s.name) {
            case "CosineWithWarmupLR" -> WarmupSchedule.cosine(o.lr, s.warmupSteps,
                    s.trainingSteps > 0 ? s.trainingSteps : (int) Math.min(Integer.MAX_VALUE, totalSteps),
                    s.minFraction, s.numCycles);
            case "none" -> WarmupSchedule.constant(o.lr, 0);
            default -> WarmupSchedule.constant(o.lr, s.warmupSteps);
        };
    }

    /**
     * The model layer with the run's optimizer: AdamW (decoupled weight decay) or Adam stepping with {@code lr},
     * clipping, freezing.
     */
    public static ModelLayer modelLayer(JobConfig cfg, String modelType, Object modelConfig, List<String> frozen,
                                        ISchedule lr) {
        OptimizerConfig o = cfg.optimizer();
        AdamW adam = new AdamW(lr, o.betas[0], o.betas[1], o.eps);
        List<Regularization> reg = new ArrayList<>();
        if (o.name.equals("AdamW") && o.weightDecay > 0) {
            reg.add(new WeightDecay(o.weightDecay, true));
        }
        ModelLayer layer = new ModelLayer(Graphs.MODEL, modelType, modelConfig, adam, reg,
                frozen);
        if (cfg.trainer().gradientClipVal != null) {
            layer.gradientClipNorm(cfg.trainer().gradientClipVal);
        }
        return layer.microBatches(cfg.trainer().accumulateGradBatches);
    }

    /** The DL4J graph of a task's freshly initialized model, whose optimizer steps with learning rate {@code lr}. */
    public static ComputationGraphConfiguration graph(Task<?> task, JobConfig cfg, ISchedule lr) {
        return graph(task.modelType(), cfg, lr);
    }

    /** The DL4J graph of a freshly initialized model of {@code type}, configured by {@code cfg.model()}. */
    public static <C> ComputationGraphConfiguration graph(ModelType<C> type, JobConfig cfg, ISchedule lr) {
        C model = type.configClass().cast(cfg.model());
        return Graphs.of(modelLayer(cfg, type.name(), model, type.frozenPrefixes(model), lr), cfg.trainer().seed,
                DataType.FLOAT);
    }
}
