package dev.attnspark.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient sharing between separate hosts: {@code deploy/standalone/run-demo} starts a Spark standalone cluster
 * whose two workers live in their own network namespaces, trains the MNIST example with
 * {@code trainer.strategy=shared} on digits from HDFS, and stops everything. Real processes, real UDP: this checks
 * that updates crossed between the hosts over Aeron (from DL4J's transport logs), that both hosts trained and sent
 * updates, and that the driver's model got better. Runs in {@code mvn verify}, after the job's jar is packaged.
 * Needs root for the namespaces; where they cannot be created, it fails and says so.
 */
class StandaloneHostsIT {
    private static final Pattern SUMMARY =
            Pattern.compile("hosts=(\\d+) updates_over_aeron=(\\d+) valid_accuracy=([0-9.]+)");

    @Test
    void updatesCrossHostsOverAeronAndTheModelLearns(@TempDir Path tmp) throws Exception {
        String out = KitScript.run("run-demo", tmp, 6000);
        Path state = tmp.resolve("state");

        Matcher m = SUMMARY.matcher(out);
        assertThat(m.find()).as("summary line in:\n%s", KitScript.tail(tmp.resolve("run-demo.log"))).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(2);
        // 2 trainers per host, each stepping with a quarter of lr 2e-3 (DL4J sums the 4 trainers' updates)
        assertThat(out).contains("2 workers (shared: 4 trainers, each at lr 0.000500), batch 32 per trainer, "
                + "188 batches = 47 steps per epoch");
        // 3 epochs of 47 steps; every step of every trainer sends one encoded update
        assertThat(Integer.parseInt(m.group(2))).as("updates the driver received over Aeron").isGreaterThan(300);

        // both hosts sent updates to the driver, and each received the other's through it
        for (String host : List.of("10.77.0.11", "10.77.0.12")) {
            assertThat(chunks(out, "driver", host)).as("chunks the driver received from %s", host).isGreaterThan(20);
        }
        for (String host : List.of("h1", "h2")) {
            assertThat(chunks(out, host, "10.77.0.1")).as("chunks %s received from the driver", host).isGreaterThan(20);
        }

        // the driver's model, evaluated after each epoch, got better (not necessarily every epoch: the driver's
        // copy follows the hosts' updates asynchronously)
        List<Double> acc = values(out, "val_acc");
        List<Double> loss = values(out, "val_loss");
        assertThat(acc).as("validation after each epoch").hasSize(3);
        assertThat(loss.get(2)).as("validation loss, last epoch against the first").isLessThan(loss.get(0));
        assertThat(acc.get(2)).as("validation accuracy, last epoch against the first").isGreaterThan(acc.get(0))
                .isGreaterThan(0.3);
        // and both hosts' trainers learned: the training loss they report fell
        List<Double> trainLoss = Pattern.compile("^epoch \\d+/\\d+ +step \\d+/\\d+ +loss ([0-9.]+)", Pattern.MULTILINE)
                .matcher(out).results().map(r -> Double.parseDouble(r.group(1))).toList();
        assertThat(trainLoss).as("training status lines").hasSizeGreaterThanOrEqualTo(3);
        assertThat(trainLoss.get(trainLoss.size() - 1)).as("training loss, last against first")
                .isLessThan(0.95 * trainLoss.get(0));

        // RPC authentication was on, and its secret appears in no log of any process
        String defaults = KitScript.read(state.resolve("conf/spark-defaults.conf"));
        Matcher secret = Pattern.compile("spark.authenticate.secret (\\S+)").matcher(defaults);
        assertThat(secret.find()).as("the cluster's shared secret").isTrue();
        try (Stream<Path> files = Files.walk(state)) {
            for (Path f : files.filter(StandaloneHostsIT::isLog).toList()) {
                assertThat(KitScript.read(f)).as("secret in %s", f).doesNotContain(secret.group(1));
            }
        }
        assertThat(out).doesNotContain(secret.group(1));

        // and the run left no process and no namespace behind
        Process ns = new ProcessBuilder("ip", "netns", "list").start();
        assertThat(new String(ns.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("attnspark-h");
    }

    private static int chunks(String out, String node, String from) {
        Matcher m = Pattern.compile(Pattern.quote(node) + " received (\\d+) VoidChunk from " + Pattern.quote(from) + "\\b")
                .matcher(out);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static List<Double> values(String out, String metric) {
        return Pattern.compile("^\\s*" + metric + "\\s+([0-9.eE-]+)\\s*$", Pattern.MULTILINE).matcher(out).results()
                .map(r -> Double.parseDouble(r.group(1))).toList();
    }

    /** Daemon logs, and the stdout and stderr of every executor. */
    private static boolean isLog(Path f) {
        String name = f.getFileName().toString();
        return Files.isRegularFile(f) && (name.endsWith(".log") || name.equals("stderr") || name.equals("stdout"));
    }
}
