package dev.attnspark.job.train.strategy;

import dev.attnspark.job.model.dl4j.ModelLayerImpl;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Frees a parameter-averaging worker's step memory when its Spark task ends. Each round runs in tasks on Spark's
 * task threads, which come and go; a thread that trained keeps a step's worth of native memory (its workspace) for
 * as long as it lives, so over a run more threads than workers would hold one each.
 */
final class ReleaseMemoryAtTaskEnd implements TrainingHook {
    private static final long serialVersionUID = 1L;
    /** The task attempt whose end frees the memory (null after deserialization: none yet). */
    private transient Long task;

    private void register() {
        TaskContext context = TaskContext.get();
        if (context != null && (task == null || context.taskAttemptId() != task)) {
            task = context.taskAttemptId();
            context.addTaskCompletionListener((TaskCompletionListener) ended -> ModelLayerImpl.releaseThreadMemory());
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        register();
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        register();
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
