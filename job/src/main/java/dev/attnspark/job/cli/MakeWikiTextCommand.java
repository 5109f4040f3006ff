package dev.attnspark.job.cli;

import dev.attnspark.datasets.text.SyntheticWikiText;
import dev.attnspark.job.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "make-wikitext", mixinStandardHelpOptions = true,
        description = {"Write a small corpus of generated articles in WikiText-103's raw layout (wiki.train.raw, "
                + "wiki.valid.raw, wiki.test.raw) for tests and the Perceiver AR examples; the same reader reads "
                + "the real WikiText-103.",
                "Refuses a folder that already holds WikiText files."})
final class MakeWikiTextCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (local)")
    Path out;

    @Option(names = "--articles", defaultValue = "2000", description = "training articles; validation and test get "
            + "a tenth as many (default ${DEFAULT-VALUE})")
    int articles;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (articles < 1) {
            throw new ConfigException("--articles must be at least 1, got " + articles);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException("--out " + out + " is a file, not a folder");
        }
        if (Files.exists(out.resolve("wiki.train.raw"))) {
            throw new ConfigException("--out " + out + " already holds wiki.train.raw; choose another folder");
        }
        SyntheticWikiText.write(out, articles, seed);
        System.out.println("wrote " + articles + " training articles (" + Files.size(out.resolve("wiki.train.raw"))
                + " bytes) and validation and test splits to " + out);
        return 0;
    }
}
