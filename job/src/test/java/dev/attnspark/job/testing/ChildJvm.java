package dev.attnspark.job.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts a class of this project in a separate JVM with the test JVM's classpath and flags (for kill -9 tests). */
public final class ChildJvm {
    private ChildJvm() {}

    public static Process start(Path log, String mainClass, String... args) throws IOException {
        return start(log, Map.of(), mainClass, args);
    }

    /** As {@link #start(Path, String, String...)}, with {@code env} added to the child's environment. */
    public static Process start(Path log, Map<String, String> env, String mainClass, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-D") || a.startsWith("-Xmx")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Kills the process as {@code kill -9} would and waits for it to be gone. */
    public static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor();
    }

    public static boolean exists(Path p) {
        return new File(p.toString()).exists();
    }
}
