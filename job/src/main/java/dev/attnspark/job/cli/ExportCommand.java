package dev.attnspark.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.checkpoint.Export;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.HadoopConf;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a checkpoint as upstream tools read it.",
                "By default a Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json) with "
                        + "any LoRA adapters merged into their weights, loadable as model.name_or_path; with "
                        + "--adapters, PEFT's adapter folder (adapter_config.json, adapter_model.safetensors)."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "a checkpoint folder, or a run folder (its newest intact checkpoint)")
    String checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write (must not exist)")
    java.nio.file.Path out;

    @Option(names = "--adapters", description = "write only the LoRA adapters and the other trained parameters")
    boolean adapters;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "TYPE",
            description = "float32 or bfloat16, the merged weights' type (default: ${DEFAULT-VALUE})")
    String dtype;

    @Override
    public Integer call() throws Exception {
        DataType type = switch (dtype) {
            case "float32" -> DataType.FLOAT;
            case "bfloat16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("--dtype must be float32 or bfloat16, not " + dtype);
        };
        Checkpoints.Loaded loaded = Checkpoints.load(new Path(checkpoint), HadoopConf.of(ConfigLoader.parse("{}",
                "overrides")));
        ObjectNode config = ConfigLoader.parse(loaded.configYaml(), loaded.dir() + "/config.yaml");
        JsonNode base = config.path("model").path("name_or_path");
        Export.Written w = adapters
                ? Export.adapters(loaded.network(), out, base.isTextual() ? base.asText() : null)
                : Export.merged(loaded.network(), out, type, tokenizer(config.path("data").path("tokenizer")));
        System.out.println("checkpoint " + loaded.dir() + " (step " + loaded.state().step() + ") -> " + w.dir());
        w.lines().forEach(l -> System.out.println("  " + l));
        return 0;
    }

    /** The run's tokenizer.json when it is a local file or a folder holding one. */
    private static java.nio.file.Path tokenizer(JsonNode name) {
        if (!name.isTextual()) {
            return null;
        }
        java.nio.file.Path p = java.nio.file.Path.of(name.asText());
        java.nio.file.Path file = Files.isDirectory(p) ? p.resolve("tokenizer.json") : p;
        return Files.isRegularFile(file) && file.getFileName().toString().endsWith(".json") ? file : null;
    }
}
