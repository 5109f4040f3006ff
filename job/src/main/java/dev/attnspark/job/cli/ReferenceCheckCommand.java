package dev.attnspark.job.cli;

import dev.attnspark.job.reference.ReferenceCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "reference-check", mixinStandardHelpOptions = true, description = {"Compare a model with outputs and gradients computed by the "
        + "upstream implementation (a fixture folder: config.json, model.safetensors, io.safetensors).",
        "Exits 0 only if every tensor is within tolerance."})
final class ReferenceCheckCommand implements Callable<Integer> {
    @Option(names = "--model-type", required = true, description = "one of: ${COMPLETION-CANDIDATES}",
            completionCandidates = TypeNames.class)
    String modelType;

    @Option(names = "--dir", required = true, description = "fixture folder, or a checkpoint folder as the Hub lays it "
            + "out (config.json, model.safetensors or its shards and index)")
    Path dir;

    @Option(names = "--io", description = "inputs and expected outputs (default: DIR/io.safetensors); a checkpoint "
            + "folder has none: give those of a fixture made with the same weights")
    Path io;

    @Override
    public Integer call() throws Exception {
        ReferenceCheck.Result r = ReferenceCheck.run(modelType, dir, io != null ? io : dir.resolve("io.safetensors"));
        System.out.print(r.report());
        return r.passed() ? 0 : 1;
    }

    static final class TypeNames extends java.util.ArrayList<String> {
        TypeNames() {
            super(ReferenceCheck.checkable());
        }
    }
}
