package dev.attnspark.job.cli;

import dev.attnspark.job.train.TrainingStoppedException;
import dev.attnspark.datasets.DatasetException;
import dev.attnspark.job.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.UncheckedIOException;

/**
 * {@code attnspark <verb> [options]}: the entry point for spark-submit and {@code deploy/local/run}. Errors a user can
 * fix (configuration, data, checkpoints) end in one line on stderr and exit code 2; bugs keep their stack trace.
 */
@Command(name = "attnspark", mixinStandardHelpOptions = true, version = "attnspark 0.1.0",
        description = "Train attention models (Perceiver IO, Perceiver AR, Fuyu) data-parallel on Apache Spark.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, ReferenceCheckCommand.class,
                MakeDigitsCommand.class, BenchmarkCommand.class, PlotCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (0 success, 1 failed check, 2 bad input). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (isUserError(e)) {
                cmd.getErr().println("error: " + message(e));
                return 2;
            }
            if (e instanceof TrainingStoppedException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static boolean isUserError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof DatasetException || t instanceof UncheckedIOException
                    || t instanceof java.io.IOException) {
                return true;
            }
        }
        return e instanceof IllegalArgumentException;
    }

    private static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof DatasetException) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }
}
