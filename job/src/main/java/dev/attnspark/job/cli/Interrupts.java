package dev.attnspark.job.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Ctrl-C during a run: the JVM exits with 130 (128 + SIGINT) after its shutdown hooks, and one of them says where
 * the run stood and how to continue it.
 */
final class Interrupts {
    private static volatile boolean interrupted;

    private Interrupts() {}

    /** Whether the JVM is going down on Ctrl-C: failures of a run torn down under it are not news. */
    static boolean interrupted() {
        return interrupted;
    }

    /**
     * Spark's own shutdown hook tears the scheduler down under running tasks and logs what it rejects; those traces
     * would only bury the message.
     */
    private static void silenceLibraries() {
        try {
            Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, Level.OFF);
        } catch (LinkageError noLog4jCore) {
            // another logging backend: its shutdown noise stays
        }
    }

    static <T> T whileRunning(Supplier<T> work, Supplier<Optional<String>> message) {
        Thread hook = new Thread(() -> message.get().ifPresent(m -> {
            interrupted = true;
            silenceLibraries();
            System.err.println();
            System.err.println(m);
            System.err.flush();
        }), "interrupt-message");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.get();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs
            }
        }
    }
}
