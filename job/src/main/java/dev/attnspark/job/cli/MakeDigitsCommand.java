package dev.attnspark.job.cli;

import dev.attnspark.datasets.mnist.SyntheticDigits;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.HadoopConf;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "make-digits", mixinStandardHelpOptions = true,
        description = {"Write a small synthetic MNIST (real IDX files, the names fetch-mnist writes) for tests and "
                + "the quick start.", "Refuses a folder that already holds files unless --force is given."})
final class MakeDigitsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (any Hadoop file system)")
    String out;

    @Option(names = "--train", defaultValue = "6000", description = "training images (default ${DEFAULT-VALUE})")
    int train;

    @Option(names = "--test", defaultValue = "1000", description = "test images (default ${DEFAULT-VALUE})")
    int test;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--force", description = "write into a folder that already holds files (replacing the four "
            + "MNIST files there, which may be real MNIST)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (train < 1 || test < 1) {
            throw new ConfigException("--train and --test must be at least 1, got " + train + " and " + test);
        }
        Configuration conf = HadoopConf.of(Map.of());
        Path dir = new Path(out);
        FileSystem fs = dir.getFileSystem(conf);
        if (fs.exists(dir)) {
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new ConfigException("--out " + out + " is a file, not a folder");
            }
            FileStatus[] present = fs.listStatus(dir);
            if (present.length > 0 && !force) {
                throw new ConfigException("--out " + out + " already holds " + present.length + " files (e.g. "
                        + present[0].getPath().getName() + "); choose an empty folder, or pass --force to replace "
                        + "the MNIST files in it");
            }
        }
        SyntheticDigits.write(out, train, test, seed, conf);
        System.out.println("wrote " + train + " training and " + test + " test digits to " + out);
        return 0;
    }
}
