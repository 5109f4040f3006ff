package dev.attnspark.job.cli;

import dev.attnspark.datasets.image.SyntheticShapes;
import dev.attnspark.job.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "make-shapes", mixinStandardHelpOptions = true,
        description = {"Write a small image-caption set for tests and the Fuyu example: PNG images of one coloured "
                + "shape captioned \"a red circle\" (4 colours x 3 shapes), as JSON Lines manifests (train.jsonl, "
                + "validation.jsonl: columns image and text) with a word-level tokenizer.json holding Fuyu's "
                + "special tokens; the same reader reads real image-caption sets.",
                "Refuses a folder that already holds train.jsonl."})
final class MakeShapesCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (local)")
    Path out;

    @Option(names = "--train", defaultValue = "600", description = "training examples (default ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--validation", defaultValue = "120", description = "validation examples (default "
            + "${DEFAULT-VALUE})")
    int validation;

    @Option(names = "--size", defaultValue = "60", description = "image side in pixels (default ${DEFAULT-VALUE}: "
            + "2 x 2 patches of 30)")
    int size;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (train < 1 || validation < 1) {
            throw new ConfigException("--train and --validation must be at least 1");
        }
        if (size < 6) {
            throw new ConfigException("--size must be at least 6 pixels, got " + size);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException("--out " + out + " is a file, not a folder");
        }
        if (Files.exists(out.resolve("train.jsonl"))) {
            throw new ConfigException("--out " + out + " already holds train.jsonl; choose another folder");
        }
        SyntheticShapes.write(out, train, validation, size, seed);
        System.out.println("wrote " + train + " training and " + validation + " validation images (" + size + " x "
                + size + ") with captions and tokenizer.json to " + out);
        return 0;
    }
}
