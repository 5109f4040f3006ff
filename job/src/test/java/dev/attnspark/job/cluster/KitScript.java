package dev.attnspark.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.attnspark.datasets.mnist.SyntheticDigits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/** Runs the scripts of {@code deploy/standalone} as a user would, on generated digits, in a test's folder. */
final class KitScript {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private KitScript() {}

    /**
     * Runs {@code deploy/standalone/NAME} with its state in {@code tmp/state} and {@code train} + 500 generated
     * digits, and returns its output; fails, saying why, when network namespaces cannot be created here, when the
     * script does not finish in 25 minutes, or when it exits with an error.
     */
    static String run(String name, Path tmp, int train) throws Exception {
        Process check = new ProcessBuilder(ROOT.resolve("deploy/standalone/hosts").toString(), "check")
                .redirectErrorStream(true).start();
        String why = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (check.waitFor() != 0) {
            fail("network namespaces cannot be created on this machine, so the hosts cannot be simulated: " + why);
        }

        Path digits = tmp.resolve("digits");
        SyntheticDigits.write(digits.toString(), train, 500, 7, new Configuration());
        Path log = tmp.resolve(name + ".log");
        ProcessBuilder script = new ProcessBuilder(ROOT.resolve("deploy/standalone/" + name).toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        script.environment().put("ATTN_STATE", tmp.resolve("state").toString());
        script.environment().put("DEMO_DIGITS", digits.toString());
        Process p = script.start();
        if (!p.waitFor(25, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(name + " did not finish in 25 minutes: " + tail(log));
        }
        assertThat(p.exitValue()).as("%s exit code; its output:\n%s", name, tail(log)).isZero();
        return read(log);
    }

    /** A file as text; bytes that are not UTF-8 (tools' terminal output) become replacement characters. */
    static String read(Path file) throws IOException {
        return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
    }

    /** The last 40 lines of a file. */
    static String tail(Path file) throws IOException {
        List<String> lines = read(file).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
