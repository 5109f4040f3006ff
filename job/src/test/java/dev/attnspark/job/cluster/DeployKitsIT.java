package dev.attnspark.job.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The cluster kits as files: every YAML document parses, every shell script passes shellcheck. */
class DeployKitsIT {
    private static final Path ROOT = KitScript.ROOT;

    @Test
    void yamlParses() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<Path> files = files(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"));
        assertThat(files).as("YAML files under deploy/ and conf/").hasSizeGreaterThanOrEqualTo(4);
        for (Path f : files) {
            try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                List<JsonNode> all = docs.readAll();
                assertThat(all).as("documents in %s", f).isNotEmpty().allMatch(JsonNode::isObject);
            } catch (IOException e) {
                fail(ROOT.relativize(f) + " is not valid YAML: " + e.getMessage());
            }
        }
        JsonNode executor = yaml.readTree(ROOT.resolve("deploy/k8s/executor-pod.yaml").toFile());
        assertThat(executor.at("/spec/volumes/0/emptyDir/medium").asText()).isEqualTo("Memory");
        assertThat(executor.at("/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(49876);
    }

    @Test
    void scriptsPassShellcheck() throws Exception {
        List<Path> scripts = files(DeployKitsIT::isShellScript);
        scripts.add(ROOT.resolve(".ci/run"));
        assertThat(scripts).as("scripts under deploy/").hasSizeGreaterThanOrEqualTo(8);
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "--external-sources"));
        scripts.forEach(s -> cmd.add(s.toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("shellcheck is not installed (apt-get install shellcheck; .ci/run does): " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("shellcheck findings:\n%s", out).isZero();
    }

    private static boolean isShellScript(Path p) {
        try {
            return Files.isRegularFile(p) && Files.isExecutable(p)
                    && Files.readString(p, StandardCharsets.ISO_8859_1).startsWith("#!/usr/bin/env bash");
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> files(java.util.function.Predicate<Path> which) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("deploy", "conf")) {
            try (Stream<Path> s = Files.walk(ROOT.resolve(dir))) {
                s.filter(p -> !p.toString().contains("/target/")).filter(which).sorted().forEach(out::add);
            }
        }
        return out;
    }
}
