package dev.attnspark.job.train.log;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.job.cli.Main;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.attnspark.job.testing.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** metrics.jsonl of several runs drawn as one PNG, by the API and by the {@code plot} verb. */
class CurvesTest {
    static final Configuration CONF = new Configuration();
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void twoRunsMakeOnePngWithAPanelPerMetricAndAColourPerRun(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path a = run(tmp.resolve("run-a"), 2.2, false);
        java.nio.file.Path b = run(tmp.resolve("run-b"), 2.6, true);
        Curves.Run runA = Curves.read(new Path(a.toString()), CONF);  // a run folder
        Curves.Run runB = Curves.read(new Path(b.resolve("metrics.jsonl").toString()), CONF);  // its file
        assertEquals("run-a", runA.label());
        assertEquals("run-b", runB.label());
        assertThat(runA.rows()).hasSize(12);

        ByteArrayOutputStream png = new ByteArrayOutputStream();
        Curves.plot(List.of(runA, runB), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        // loss, valid accuracy, valid masked_accuracy (run-b only, one value null): three panels
        assertEquals(1200, image.getWidth());
        assertEquals(90 + 3 * 320, image.getHeight());
        Set<Integer> colours = colours(image);
        assertThat(colours).contains(0xffffff, 0x1f77b4, 0xff7f0e);  // background, run-a, run-b
        assertThat(colours.size()).isGreaterThan(20);  // anti-aliased lines and text: far from blank
    }

    @Test
    void badInputNamesTheFile(@TempDir java.nio.file.Path tmp) throws Exception {
        Files.writeString(tmp.resolve("bad.jsonl"), "{\"split\":\"train\",\"step\":1,\"loss\":2.0}\nstep=2 loss=1.9\n");
        assertThatThrownBy(() -> Curves.read(new Path(tmp.resolve("bad.jsonl").toString()), CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("bad.jsonl line 2 is not a JSON object");
        Files.writeString(tmp.resolve("empty.jsonl"), "\n");
        assertThatThrownBy(() -> Curves.read(new Path(tmp.resolve("empty.jsonl").toString()), CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("empty.jsonl has no rows");
        Files.createDirectories(tmp.resolve("not-a-run"));
        assertThatThrownBy(() -> Curves.read(new Path(tmp.resolve("not-a-run").toString()), CONF))
                .isInstanceOf(DatasetException.class).hasMessageContaining("not-a-run has no metrics.jsonl");
    }

    @Test
    void plotVerbWritesThePngAndFailsCleanlyOnAMissingFile(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path a = run(tmp.resolve("run-a"), 2.2, false);
        java.nio.file.Path b = run(tmp.resolve("run-b"), 2.6, true);
        java.nio.file.Path png = tmp.resolve("plots/curves.png");
        assertEquals(0, Main.run("plot", a.toString(), b.resolve("metrics.jsonl").toString(),
                "--out", png.toString(), "--label", "baseline,wider"));
        assertThat(console.out()).contains("wrote " + png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1200, image.getWidth());

        java.nio.file.Path other = tmp.resolve("other.png");
        assertEquals(2, Main.run("plot", a.toString(), tmp.resolve("missing-run").toString(), "--out", other.toString()));
        assertThat(console.err()).contains("error: ").contains("missing-run");
        assertEquals(2, Main.run("plot", a.toString(), "--out", other.toString(), "--label", "x,y"));
        assertThat(console.err()).contains("error: --label: 2 names for 1 inputs");
        try (Stream<java.nio.file.Path> files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("other.png");
        }
        try (Stream<java.nio.file.Path> files = Files.list(png.getParent())) {  // no temporary file left behind
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
    }

    /** A run folder with 8 training rows and 4 validation rows, as {@code MetricsLog} writes them. */
    static java.nio.file.Path run(java.nio.file.Path dir, double startLoss, boolean masked) throws Exception {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int step = 10; step <= 80; step += 10) {
            double loss = startLoss * Math.exp(-step / 60.0);
            lines.add(String.format(java.util.Locale.ROOT,
                    "{\"split\":\"train\",\"epoch\":%d,\"step\":%d,\"loss\":%.4f,\"lr\":0.001,\"samples_per_s\":55.0}",
                    step / 40, step, loss));
            if (step % 20 == 0) {
                lines.add(String.format(java.util.Locale.ROOT,
                        "{\"split\":\"valid\",\"epoch\":%d,\"step\":%d,\"loss\":%.4f,\"accuracy\":%.3f%s}",
                        step / 40, step, loss * 1.1, 0.2 + step / 200.0,
                        masked ? ",\"masked_accuracy\":" + (step == 40 ? "null" : String.valueOf(step / 100.0)) : ""));
            }
        }
        Files.write(dir.resolve("metrics.jsonl"), lines);
        return dir;
    }

    private static Set<Integer> colours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 1) {
            for (int x = 0; x < image.getWidth(); x += 1) {
                colours.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        return colours;
    }
}
