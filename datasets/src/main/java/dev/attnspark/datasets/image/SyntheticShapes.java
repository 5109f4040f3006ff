package dev.attnspark.datasets.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small image-caption set for tests and the laptop-sized Fuyu example: PNG images of one coloured shape on a white
 * background, captioned with its colour and shape ("a red circle"), in the JSON Lines manifest layout
 * ({@code train.jsonl}, {@code validation.jsonl}, columns {@code image} and {@code text}, images under
 * {@code images/}), with a word-level {@code tokenizer.json} holding Fuyu's special tokens and the captions' words.
 * Chance is one in {@value #CLASSES} for a caption.
 */
public final class SyntheticShapes {
    public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    public static final int CLASSES = 12;
    private static final Map<String, Color> RGB = Map.of("red", new Color(220, 30, 30), "green", new Color(30, 170, 60),
            "blue", new Color(30, 60, 220), "yellow", new Color(235, 200, 20));
    /** Fuyu's special tokens, at the ids the tests use: pad 0 (FuyuProcessor pads with 0), BOS 1, EOS 2. */
    public static final List<String> SPECIAL = List.of("<pad>", "<s>", "</s>", "<unk>", FuyuExamples.BOA_TOKEN,
            FuyuExamples.IMAGE_TOKEN, FuyuExamples.NEWLINE_TOKEN);

    private SyntheticShapes() {}

    /** The caption of class {@code k}: colour k / 3, shape k % 3. */
    public static String caption(int k) {
        return "a " + COLOURS.get(k / SHAPES.size()) + " " + SHAPES.get(k % SHAPES.size());
    }

    /** Writes {@code train} and {@code validation} examples of {@code size} x {@code size} pixels into {@code out}. */
    public static void write(Path out, int train, int validation, int size, long seed) throws IOException {
        Files.createDirectories(out.resolve("images"));
        Random rnd = new Random(seed);
        split(out, "train", train, size, rnd);
        split(out, "validation", validation, size, rnd);
        writeTokenizer(out.resolve("tokenizer.json"));
    }

    private static void split(Path out, String name, int n, int size, Random rnd) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve(name + ".jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(CLASSES);
                String file = "images/" + name + "-" + String.format("%05d", i) + ".png";
                ImageIO.write(draw(k, size, rnd), "png", out.resolve(file).toFile());
                ObjectNode row = json.createObjectNode().put("image", file).put("text", caption(k));
                w.write(json.writeValueAsString(row));
                w.write('\n');
            }
        }
    }

    /** Class {@code k}'s shape, between a third and two thirds of the image wide, somewhere inside it. */
    static BufferedImage draw(int k, int size, Random rnd) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setColor(RGB.get(COLOURS.get(k / SHAPES.size())));
        int s = size / 3 + rnd.nextInt(size / 3 + 1);
        int x = rnd.nextInt(size - s + 1), y = rnd.nextInt(size - s + 1);
        switch (SHAPES.get(k % SHAPES.size())) {
            case "circle" -> g.fillOval(x, y, s, s);
            case "square" -> g.fillRect(x, y, s, s);
            default -> g.fillPolygon(new int[] {x, x + s / 2, x + s}, new int[] {y + s, y, y + s}, 3);
        }
        g.dispose();
        return image;
    }

    /** A word-level tokenizer.json: the special tokens, then "a" and the colour and shape words. */
    static void writeTokenizer(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> words = new ArrayList<>(SPECIAL);
        words.add("a");
        words.addAll(COLOURS);
        words.addAll(SHAPES);
        for (String w : words) {
            vocab.put(w, vocab.size());
        }
        ObjectNode root = json.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String t : SPECIAL) {
            added.addObject().put("id", vocab.get(t)).put("content", t).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model").put("type", "WordLevel").put("unk_token", "<unk>");
        model.set("vocab", json.valueToTree(vocab));
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
