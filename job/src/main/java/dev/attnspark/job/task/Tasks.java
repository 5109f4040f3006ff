package dev.attnspark.job.task;

import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.DataConfig;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tasks a configuration can name, and the configuration schema they imply. */
public final class Tasks implements ConfigLoader.Schema {
    public static final Tasks ALL = new Tasks();
    private final Map<String, Task<?>> tasks = new LinkedHashMap<>();

    private Tasks() {
        register(new ImageClassificationTask());
        register(new MaskedLanguageModelTask());
        register(new TextClassificationTask());
        register(new CausalLanguageModelTask());
        register(new FuyuTask());
    }

    private void register(Task<?> t) {
        tasks.put(t.name(), t);
    }

    public Task<?> get(String name) {
        Task<?> t = tasks.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown task " + name + "; tasks are " + tasks.keySet());
        }
        return t;
    }

    @Override
    public Collection<String> tasks() {
        return tasks.keySet();
    }

    @Override
    public Class<?> modelConfig(String task) {
        return get(task).modelType().configClass();
    }

    @Override
    public Class<? extends DataConfig> dataConfig(String task) {
        return get(task).dataConfigClass();
    }

    @Override
    public void linkAndValidateModel(String task, Object model, DataConfig data) {
        Task<?> t = get(task);
        t.link(model, data);
        t.modelType().build(model);
        t.validateModel(model);
    }
}
