package dev.attnspark.datasets.imdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Writes a small aclImdb tree of made-up movie reviews, for tests and the text examples: sentences built from a few
 * templates, where positive reviews open with a verdict and praise (ratings 7-10) and negative ones pan (1-4), with a
 * share of sentences that say nothing either way; {@code train/unsup} holds reviews of both kinds. A small classifier
 * learns the sentiment in a few dozen steps; the same readers then read real IMDb.
 */
public final class SyntheticReviews {
    private static final List<String> SUBJECTS = List.of("the movie", "this film", "the plot", "the acting",
            "the script", "the ending", "the soundtrack", "the cast", "the director's work", "the story");
    private static final List<String> GOOD = List.of("wonderful", "brilliant", "moving", "funny", "beautiful",
            "gripping", "superb", "charming");
    private static final List<String> BAD = List.of("boring", "awful", "dull", "clumsy", "tedious", "silly",
            "painful", "lifeless");
    private static final List<String> LOVED = List.of("Loved it!", "Wow, what a film!", "Loved every minute.",
            "A joy to watch!", "Wow!");
    private static final List<String> HATED = List.of("Hated it.", "What a mess.", "Avoid this one.",
            "A waste of time.", "Ugh.");
    private static final List<String> NEUTRAL = List.of("I watched it on a Sunday evening.",
            "It runs for about two hours.", "My brother recommended it to me.", "I saw it at the local cinema.",
            "It was released last year.", "The film is in colour.");

    private SyntheticReviews() {}

    /**
     * Writes {@code aclImdb/{train,test}/{neg,pos}/<id>_<rating>.txt} and {@code aclImdb/train/unsup/<id>_0.txt}
     * under {@code dir}: {@code perClass} reviews per class and split, {@code unsup} unlabelled ones. The tree is
     * written beside its place and moved there when complete, so an interrupted run leaves no partial dataset.
     */
    public static Path write(Path dir, int perClass, int unsup, long seed) throws IOException {
        Files.createDirectories(dir);
        Path tree = dir.resolve("aclImdb");
        if (Files.exists(tree)) {
            throw new IOException(tree + " already exists");
        }
        Path root = Files.createTempDirectory(dir, ".aclImdb.tmp-");
        write(root, perClass, unsup, new Random(seed));
        return Files.move(root, tree, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void write(Path root, int perClass, int unsup, Random rnd) throws IOException {
        for (String split : List.of("train", "test")) {
            for (int label = 0; label < 2; label++) {
                Path folder = Files.createDirectories(root.resolve(split).resolve(label == 1 ? "pos" : "neg"));
                for (int i = 0; i < perClass; i++) {
                    int rating = label == 1 ? 7 + rnd.nextInt(4) : 1 + rnd.nextInt(4);
                    Files.writeString(folder.resolve(i + "_" + rating + ".txt"), review(rnd, label == 1),
                            StandardCharsets.UTF_8);
                }
            }
        }
        Path folder = Files.createDirectories(root.resolve("train/unsup"));
        for (int i = 0; i < unsup; i++) {
            Files.writeString(folder.resolve(i + "_0.txt"), review(rnd, rnd.nextBoolean()), StandardCharsets.UTF_8);
        }
    }

    /** A verdict, then two to five sentences, most of them saying what the reviewer thought. */
    static String review(Random rnd, boolean positive) {
        StringBuilder sb = new StringBuilder(pick(rnd, positive ? LOVED : HATED));
        int sentences = 2 + rnd.nextInt(4);
        for (int s = 0; s < sentences; s++) {
            sb.append(s % 3 == 2 ? "<br /><br />" : " ");
            if (rnd.nextInt(5) == 0) {
                sb.append(pick(rnd, NEUTRAL));
                continue;
            }
            String subject = pick(rnd, SUBJECTS);
            String opinion = pick(rnd, positive ? GOOD : BAD);
            String sentence = switch (rnd.nextInt(3)) {
                case 0 -> subject + " was " + opinion + ".";
                case 1 -> "I thought " + subject + " was really " + opinion + ".";
                default -> "Honestly, " + subject + " is " + opinion + " and " + pick(rnd, positive ? GOOD : BAD) + ".";
            };
            sb.append(Character.toUpperCase(sentence.charAt(0))).append(sentence.substring(1));
        }
        return sb.toString();
    }

    private static String pick(Random rnd, List<String> words) {
        return words.get(rnd.nextInt(words.size()));
    }
}
