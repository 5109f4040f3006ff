package dev.attnspark.job.cli;

import dev.attnspark.datasets.mnist.SyntheticDigits;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "make-digits", description = "Write a small synthetic MNIST (real IDX files) for tests and the quick start.")
final class MakeDigitsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "output folder (any Hadoop file system)")
    String out;

    @Option(names = "--train", defaultValue = "6000", description = "training images (default ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--test", defaultValue = "1000", description = "test images (default ${DEFAULT-VALUE})")
    int test;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        SyntheticDigits.write(out, train, test, seed, new Configuration());
        System.out.println("wrote " + train + " training and " + test + " test digits to " + out);
        return 0;
    }
}
