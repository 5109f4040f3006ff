package dev.attnspark.job.cli;

import dev.attnspark.datasets.imdb.SyntheticReviews;
import dev.attnspark.job.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "make-reviews", mixinStandardHelpOptions = true,
        description = {"Write a small aclImdb tree of generated movie reviews (train/test neg and pos, train/unsup) "
                + "for tests and the text examples; the same readers read the real IMDb.",
                "Refuses a folder that already holds an aclImdb tree."})
final class MakeReviewsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (local); the tree is "
            + "DIR/aclImdb")
    Path out;

    @Option(names = "--per-class", defaultValue = "500", description = "reviews per class in train and in test "
            + "(default ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--unsup", defaultValue = "2000", description = "unlabelled reviews (default ${DEFAULT-VALUE})")
    int unsup;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (perClass < 1 || unsup < 1) {
            throw new ConfigException("--per-class and --unsup must be at least 1, got " + perClass + " and " + unsup);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException("--out " + out + " is a file, not a folder");
        }
        if (Files.exists(out.resolve("aclImdb"))) {
            throw new ConfigException("--out " + out + " already holds aclImdb/; choose another folder or remove it");
        }
        Path tree = SyntheticReviews.write(out, perClass, unsup, seed);
        System.out.println("wrote " + 4 * perClass + " labelled and " + unsup + " unlabelled reviews to " + tree);
        return 0;
    }
}
