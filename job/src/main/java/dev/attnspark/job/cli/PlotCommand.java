package dev.attnspark.job.cli;

import dev.attnspark.job.checkpoint.RunDir;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.train.log.Curves;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "plot", mixinStandardHelpOptions = true,
        description = "Draw the training curves (loss, validation metrics against step) of one or several runs as a PNG.")
final class PlotCommand implements Callable<Integer> {
    @Parameters(paramLabel = "METRICS_OR_RUN_DIR", arity = "1..*",
            description = "a metrics.jsonl, or a run folder holding one (any Hadoop file system)")
    List<String> inputs;

    @Option(names = "--out", required = true, description = "the PNG to write (any Hadoop file system)")
    String out;

    @Option(names = "--label", split = ",", paramLabel = "NAME",
            description = "legend names, one per input (default: the run folders' names)")
    List<String> labels;

    @Override
    public Integer call() throws Exception {
        if (labels != null && labels.size() != inputs.size()) {
            throw new ConfigException("--label: " + labels.size() + " names for " + inputs.size()
                    + " inputs; give one name per input, separated by commas");
        }
        Configuration conf = HadoopConf.of(java.util.Map.of());
        List<Curves.Run> runs = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            runs.add(Curves.read(new Path(inputs.get(i)), labels == null ? null : labels.get(i), conf));
        }
        // drawn in memory first: a failure leaves no file, and the file appears whole (temporary file, then rename)
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        Curves.plot(runs, png);
        Path target = new Path(out);
        target = target.getFileSystem(conf).makeQualified(target);
        new RunDir(target.getParent().toString(), conf).writeAtomically(target, png::writeTo);
        System.out.println("wrote " + out + " (" + runs.size() + (runs.size() == 1 ? " run)" : " runs)"));
        return 0;
    }
}
