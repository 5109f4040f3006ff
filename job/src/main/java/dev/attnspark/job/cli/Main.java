package dev.attnspark.job.cli;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.train.TrainingStoppedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * {@code attnspark <verb> [options]}: the entry point for spark-submit and {@code deploy/local/run}. Errors a user can
 * fix (configuration, data, files, checkpoints) end in one line on stderr and exit code 2; a run stopped for a
 * reason the user can act on exits 1; bugs keep their stack trace.
 */
@Command(name = "attnspark", mixinStandardHelpOptions = true, version = "attnspark 0.1.0",
        description = {"Train attention models data-parallel on Apache Spark, with DL4J on the executors.",
                "Trains Perceiver IO (the image classifier on MNIST, the masked language model and the sentiment "
                        + "classifier on IMDb), Perceiver AR (causal language models on WikiText-103 and C4) and "
                        + "Fuyu (a vision-language model on image-caption sets; in progress, see README.md)."},
        footer = {"", "Every verb answers --help. Configuration keys and their defaults: "
                + "train --config FILE --print_config; they are described in docs/configuration.md."},
        subcommands = {TrainCommand.class, EvaluateCommand.class, PrepCommand.class, ReferenceCheckCommand.class,
                MakeDigitsCommand.class, MakeReviewsCommand.class, MakeWikiTextCommand.class, MakeShapesCommand.class,
                GenerateCommand.class, ExportCommand.class, BenchmarkCommand.class, PlotCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (0 success, 1 failed check or stopped run, 2 bad input). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (Interrupts.interrupted()) {
                return 130;
            }
            if (e instanceof TrainingStoppedException) {
                cmd.getErr().println("error: " + e.getMessage());
                return 1;
            }
            if (isUserError(e)) {
                cmd.getErr().println("error: " + message(e));
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }

    static boolean isUserError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof DatasetException || t instanceof UncheckedIOException
                    || t instanceof IOException) {
                return true;
            }
        }
        return e instanceof IllegalArgumentException;
    }

    /**
     * The line a user reads: the message of our own exception if there is one; otherwise the outermost message
     * with the reason of the innermost I/O error added when the outer one does not say it (Hadoop and the JDK
     * often put only a path in the message: "cannot list /runs/x" caused by an AccessDeniedException).
     */
    static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException || t instanceof DatasetException) {
                return t.getMessage();
            }
        }
        String top = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = reason(root, top);
        return reason == null || top.contains(reason) ? top : top + ": " + reason;
    }

    /** What an I/O error means, in words, for the exceptions whose message is only a path. */
    private static String reason(Throwable t, String top) {
        String m = t.getMessage();
        String kind = t instanceof NoSuchFileException || t instanceof FileNotFoundException ? "no such file or folder"
                : t instanceof AccessDeniedException ? "permission denied"
                : t instanceof FileAlreadyExistsException ? "already exists"
                : t instanceof NotDirectoryException ? "not a folder"
                : null;
        if (kind == null) {
            return m;
        }
        if (t instanceof NoSuchFileException n && n.getReason() != null) {
            kind = n.getReason();
            m = n.getFile();
        }
        return m == null || m.isBlank() || kind.equals(m) || top.contains(m) ? kind
                : m.contains(" ") ? m : kind + " (" + m + ")";
    }
}
