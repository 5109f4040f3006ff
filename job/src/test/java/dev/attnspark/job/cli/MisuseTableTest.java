package dev.attnspark.job.cli;

import dev.attnspark.job.train.TestRuns;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/reliability.md true: every row with a quoted command is run through {@link Main#run} against small
 * data made here, and its exit code, output and what it leaves on disk are checked. Rows shown by another test name
 * a test class that must exist.
 */
class MisuseTableTest {
    static final Path TABLE = Path.of("../docs/reliability.md");
    static final String TEXT_CONF = "../conf/perceiver-io-txt-clf-imdb-dec.yaml";
    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\| ([^|]+) \\| (.+) \\| (-|\\d+) \\| (.+) \\| (.+) \\|$");
    private static final Pattern QUOTED = Pattern.compile("`([^`]+)`");

    @TempDir
    static Path tmp;
    static final Map<String, String> places = new LinkedHashMap<>();
    static Path run;
    static Path digits;
    static int outs;

    @BeforeAll
    static void data() throws Exception {
        digits = TestRuns.digits(tmp.resolve("digits"), 300, 100);
        Path testOnly = copy(digits, tmp.resolve("testonly"));
        Files.delete(testOnly.resolve("train-images-idx3-ubyte.gz"));
        Files.delete(testOnly.resolve("train-labels-idx1-ubyte.gz"));
        Path truncated = copy(digits, tmp.resolve("truncated"));
        byte[] gz = Files.readAllBytes(truncated.resolve("train-images-idx3-ubyte.gz"));
        Files.write(truncated.resolve("train-images-idx3-ubyte.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
        Path notIdx = copy(digits, tmp.resolve("notidx"));
        Files.delete(notIdx.resolve("train-images-idx3-ubyte.gz"));
        Files.writeString(notIdx.resolve("train-images-idx3-ubyte"), "these are not images\n");
        Path mismatch = copy(digits, tmp.resolve("mismatch"));
        Files.copy(digits.resolve("t10k-labels-idx1-ubyte.gz"), mismatch.resolve("train-labels-idx1-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path badYaml = Files.writeString(tmp.resolve("bad.yaml"), "a: [1, 2\n");
        Path listYaml = Files.writeString(tmp.resolve("list.yaml"), "- 1\n- 2\n");
        Path noIo = copy(CliTest.FIXTURE, tmp.resolve("noio"));
        Files.delete(noIo.resolve("io.safetensors"));

        places.put("$CONF", TestRuns.EXAMPLE);
        places.put("$TEXTCONF", TEXT_CONF);
        places.put("$DIGITS", digits.toString());
        places.put("$TESTONLY", testOnly.toString());
        places.put("$TRUNCATED", truncated.toString());
        places.put("$NOTIDX", notIdx.toString());
        places.put("$MISMATCH", mismatch.toString());
        places.put("$BADYAML", badYaml.toString());
        places.put("$LISTYAML", listYaml.toString());
        places.put("$FIXTURE", CliTest.FIXTURE.toString());
        places.put("$NOIO", noIo.toString());
        Path wiki = dev.attnspark.datasets.text.SyntheticWikiText.write(tmp.resolve("wiki"), 20, 1);
        places.put("$WIKI", wiki.toString());
        Path badWiki = copy(wiki, tmp.resolve("badwiki"));
        byte[] raw = Files.readAllBytes(badWiki.resolve("wiki.train.raw"));
        int thirdLine = 0;
        for (int i = 0, lines = 0; i < raw.length && lines < 2; i++, thirdLine = i) {
            lines += raw[i] == '\n' ? 1 : 0;
        }
        raw[thirdLine] = (byte) 0xC3; // a lead byte followed by a newline: not UTF-8
        Files.write(badWiki.resolve("wiki.train.raw"), raw);
        places.put("$BADWIKI", badWiki.toString());
        Path shapes = tmp.resolve("shapes");
        dev.attnspark.datasets.image.SyntheticShapes.write(shapes, 8, 4, 30, 1);
        places.put("$SHAPES", shapes.toString());

        run = tmp.resolve("run");
        int code = Main.run(expand("$TRAIN --trainer.checkpoint_every_n_steps=2", run.toString()));
        assertThat(code).as("the finished run the cases start from").isZero();
        places.put("$RUN", run.toString());
        Path newest = run.resolve("checkpoints/step-00000004");
        places.put("$CKPT", newest.toString());
        Path damaged = copy(newest, tmp.resolve("damaged"));
        byte[] zip = Files.readAllBytes(damaged.resolve("model.zip"));
        for (int i = zip.length / 2; i < zip.length / 2 + 64; i++) {
            zip[i] ^= 0x5a;
        }
        Files.write(damaged.resolve("model.zip"), zip);
        places.put("$DAMAGED", damaged.toString());
    }

    /** The rows of every table in the file. */
    static List<String[]> rows() throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(TABLE)) {
            Matcher m = ROW.matcher(line.strip());
            if (m.matches()) {
                rows.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)});
            }
        }
        return rows;
    }

    @TestFactory
    Stream<DynamicTest> everyRowHoldsAsWritten() throws IOException {
        List<String[]> rows = rows();
        assertThat(rows).as("rows of " + TABLE).hasSizeGreaterThanOrEqualTo(60);
        return rows.stream().map(r -> DynamicTest.dynamicTest("#" + r[0] + " " + r[1], () -> check(r)));
    }

    private static void check(String[] row) throws Exception {
        String command = row[2], sees = row[4], left = row[5];
        if (!command.startsWith("`") || !command.endsWith("`") || command.indexOf('`', 1) != command.length() - 1) {
            Matcher shownBy = Pattern.compile("shown by `(\\w+)`").matcher(left);
            assertThat(shownBy.find()).as("row " + row[0] + " runs a command or names the test that shows it").isTrue();
            assertThat(Files.exists(Path.of("src/test/java/dev/attnspark/job").resolve(testPath(shownBy.group(1)))))
                    .as("test " + shownBy.group(1) + " exists").isTrue();
            return;
        }
        Path out = tmp.resolve("out-" + (outs++));
        String cmd = command.substring(1, command.length() - 1);
        if (cmd.contains("$RUNCOPY")) {
            places.put("$RUNCOPY", copy(run, tmp.resolve("runcopy-" + outs)).toString());
        }
        Map<String, String> runBefore = fingerprint(run), digitsBefore = fingerprint(digits);
        Captured c = capture(() -> Main.run(expand(cmd, out.toString())));

        String expected = quoted(sees).replace("$OUT", out.toString());
        assertThat(c.code).as("exit code of `" + cmd + "`; output:\n" + c.output).isEqualTo(Integer.parseInt(row[3]));
        assertThat(c.output).as("output of `" + cmd + "`").contains(expected);
        if (c.code != 0) {
            assertThat(c.errorLines()).as("one error line; output:\n" + c.output).isLessThanOrEqualTo(1);
            assertThat(out).as("left on disk by `" + cmd + "`").doesNotExist();
        }
        assertThat(fingerprint(run)).as("$RUN after `" + cmd + "`").isEqualTo(runBefore);
        assertThat(fingerprint(digits)).as("$DIGITS after `" + cmd + "`").isEqualTo(digitsBefore);
    }

    private static String testPath(String testClass) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/test/java/dev/attnspark/job"))) {
            return files.filter(p -> p.getFileName().toString().equals(testClass + ".java")).findFirst()
                    .map(p -> Path.of("src/test/java/dev/attnspark/job").relativize(p).toString()).orElse("missing");
        }
    }

    private static String quoted(String cell) {
        Matcher m = QUOTED.matcher(cell);
        return m.find() ? m.group(1) : cell.strip();
    }

    /** The command line of a row: placeholders replaced, {@code $TRAIN} spelt out. */
    static String[] expand(String cmd, String out) {
        List<String> args = new ArrayList<>();
        for (String word : cmd.trim().split("\\s+")) {
            if (word.equals("$TRAIN")) {
                args.addAll(List.of("train", "--config", TestRuns.EXAMPLE, "--data.dataset_dir=" + digits,
                        "--trainer.output_dir=" + out, "--trainer.strategy=single", "--spark.master=local[2]",
                        "--data.batch_size=32", "--trainer.max_steps=4"));
                args.addAll(TestRuns.SMALL_MODEL);
                continue;
            }
            if (word.equals("$CLM")) {
                args.addAll(List.of("train", "--config", "../conf/perceiver-ar-clm-wikitext103.yaml",
                        "--data.dataset_dir=" + places.get("$WIKI"), "--trainer.output_dir=" + out,
                        "--trainer.strategy=single", "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false",
                        "--data.max_seq_len=64", "--model.max_latents=16", "--model.num_channels=32",
                        "--model.num_heads=2", "--model.num_self_attention_layers=1", "--data.batch_size=4",
                        "--trainer.max_steps=2"));
                continue;
            }
            if (word.equals("$FUYU")) {
                args.addAll(List.of("train", "--config", "../conf/fuyu-tiny-shapes.yaml",
                        "--data.dataset_dir=" + places.get("$SHAPES"),
                        "--data.tokenizer=" + places.get("$SHAPES") + "/tokenizer.json", "--trainer.output_dir=" + out,
                        "--trainer.strategy=single", "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false",
                        "--trainer.max_steps=1"));
                continue;
            }
            if (word.equals("$TEXT")) {
                args.addAll(List.of("train", "--config", TEXT_CONF, "--data.dataset_dir=" + digits,
                        "--trainer.output_dir=" + out, "--model.encoder.params=null", "--trainer.strategy=single",
                        "--spark.master=local[2]", "--spark.conf.spark.ui.enabled=false"));
                continue;
            }
            String w = word.replace("$OUT", out);
            List<Map.Entry<String, String>> longestFirst = new ArrayList<>(places.entrySet());
            longestFirst.sort((a, b) -> b.getKey().length() - a.getKey().length());
            for (Map.Entry<String, String> p : longestFirst) {
                w = w.replace(p.getKey(), p.getValue());
            }
            args.add(w);
        }
        return args.toArray(String[]::new);
    }

    private record Captured(int code, String output) {
        long errorLines() {
            return output.lines().filter(l -> l.startsWith("error:")).count();
        }
    }

    private static Captured capture(java.util.concurrent.Callable<Integer> call) throws Exception {
        PrintStream stdout = System.out, stderr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        try {
            return new Captured(call.call(), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            stdout.print(buf.toString(StandardCharsets.UTF_8));
        }
    }

    private static Map<String, String> fingerprint(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(),
                            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}
