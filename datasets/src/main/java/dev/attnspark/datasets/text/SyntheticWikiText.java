package dev.attnspark.datasets.text;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

/**
 * Writes a small corpus in WikiText-103's raw layout ({@code wiki.train.raw}, {@code wiki.valid.raw},
 * {@code wiki.test.raw}): articles with {@code  = Title = } and {@code  = = Section = = } headings, blank lines between
 * blocks, and paragraphs of sentences made from a few templates, tokenized as WikiText is (spaces around punctuation,
 * {@code @-@} inside hyphenated words). For tests and the Perceiver AR examples: a small model learns its regularities
 * in a few hundred steps, and the same reader then reads the real WikiText-103.
 */
public final class SyntheticWikiText {
    private static final List<String> PLACES = List.of("Aldwick", "Brenmoor", "Calder Vale", "Dunmere", "Eastholm",
            "Fairhaven", "Glenrock", "Harrowgate");
    private static final List<String> THINGS = List.of("river", "bridge", "castle", "railway", "market", "church",
            "harbour", "mill");
    private static final List<String> VERBS = List.of("was built", "was rebuilt", "was extended", "was restored",
            "was opened", "was closed");
    private static final List<String> PEOPLE = List.of("the council", "a local merchant", "the Duke of Brenmoor",
            "the railway company", "the parish");
    private static final List<String> SECTIONS = List.of("History", "Geography", "Economy", "Transport",
            "Architecture");

    private SyntheticWikiText() {}

    /**
     * Writes the three files into {@code dir} (created; the files appear together, moved from a temporary folder):
     * {@code trainArticles} articles for training, a tenth as many (at least one) for validation and for test.
     */
    public static Path write(Path dir, int trainArticles, long seed) throws IOException {
        Files.createDirectories(dir);
        for (String split : List.of("train", "valid", "test")) {
            if (Files.exists(dir.resolve("wiki." + split + ".raw"))) {
                throw new IOException(dir.resolve("wiki." + split + ".raw") + " already exists");
            }
        }
        Path tmp = Files.createTempDirectory(dir, ".wikitext.tmp-");
        Random rnd = new Random(seed);
        int small = Math.max(1, trainArticles / 10);
        for (String split : List.of("train", "valid", "test")) {
            try (Writer w = Files.newBufferedWriter(tmp.resolve("wiki." + split + ".raw"), StandardCharsets.UTF_8)) {
                for (int a = 0, n = split.equals("train") ? trainArticles : small; a < n; a++) {
                    article(w, rnd);
                }
            }
        }
        for (String split : List.of("train", "valid", "test")) {
            Files.move(tmp.resolve("wiki." + split + ".raw"), dir.resolve("wiki." + split + ".raw"),
                    StandardCopyOption.ATOMIC_MOVE);
        }
        Files.delete(tmp);
        return dir;
    }

    private static void article(Writer w, Random rnd) throws IOException {
        String place = pick(rnd, PLACES);
        w.write(" \n = " + place + " " + capitalized(pick(rnd, THINGS)) + " = \n \n");
        paragraph(w, rnd, place);
        for (int s = 0, n = 1 + rnd.nextInt(3); s < n; s++) {
            w.write(" \n = = " + pick(rnd, SECTIONS) + " = = \n \n");
            paragraph(w, rnd, place);
        }
    }

    private static void paragraph(Writer w, Random rnd, String place) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int s = 0, n = 2 + rnd.nextInt(4); s < n; s++) {
            int year = 1700 + rnd.nextInt(250);
            String thing = pick(rnd, THINGS);
            String sentence = switch (rnd.nextInt(4)) {
                case 0 -> "The " + thing + " at " + place + " " + pick(rnd, VERBS) + " in " + year + " by "
                        + pick(rnd, PEOPLE) + " .";
                case 1 -> "In " + year + " , the " + thing + " " + pick(rnd, VERBS) + " , and the " + pick(rnd, THINGS)
                        + " " + pick(rnd, VERBS) + " soon after .";
                case 2 -> place + " lies on the " + thing + " , about " + (2 + rnd.nextInt(30)) + " miles ( "
                        + (3 + rnd.nextInt(48)) + " km ) from " + pick(rnd, PLACES) + " .";
                default -> "A well @-@ known " + thing + " " + pick(rnd, VERBS) + " there in " + year + " .";
            };
            sb.append(' ').append(sentence);
        }
        w.write(sb.append(" \n").toString());
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String pick(Random rnd, List<String> words) {
        return words.get(rnd.nextInt(words.size()));
    }
}
