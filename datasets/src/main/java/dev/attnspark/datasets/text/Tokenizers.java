package dev.attnspark.datasets.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.DatasetException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The tokenizers a configuration can name ({@code data.tokenizer}):
 * <ul>
 * <li>perceiver-io's UTF-8 bytes tokenizer, under the names of the upstream checkpoints that use it
 *     ({@link #BYTES});</li>
 * <li>a Hugging Face {@code tokenizer.json} or a SentencePiece {@code .model}, by path (the file, or a folder holding
 *     {@code tokenizer.json}, {@code spiece.model}, {@code tokenizer.model} or {@code sentencepiece.bpe.model}; any
 *     Hadoop file system);</li>
 * <li>or by its Hub name ({@code xlnet-base-cased}) when its files are in a cache folder:
 *     {@code $ATTNSPARK_TOKENIZERS/<name>/} (default {@code ~/.cache/attnspark/tokenizers}), or Hugging Face's own
 *     cache, {@code $HF_HOME/hub/models--<org>--<name>/snapshots/<revision>/} (default {@code ~/.cache/huggingface}).
 *     Nothing is downloaded: {@code huggingface-cli download xlnet-base-cased spiece.model tokenizer.json --local-dir
 *     ~/.cache/attnspark/tokenizers/xlnet-base-cased} fetches one.</li>
 * </ul>
 * A loaded tokenizer carries its file's bytes, so executors need no copy of the file.
 */
public final class Tokenizers {
    /** perceiver-io's UTF-8 bytes tokenizer, by the names of the upstream checkpoints that use it. */
    public static final Set<String> BYTES = Set.of("deepmind/language-perceiver", "krasserm/perceiver-io-mlm",
            "krasserm/perceiver-ar-clm-base", "bytes");
    /** Files a tokenizer folder may hold, in order of preference. */
    static final List<String> FILES = List.of("tokenizer.json", "spiece.model", "tokenizer.model",
            "sentencepiece.bpe.model");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Tokenizers() {}

    /** Checks that {@code name} names a tokenizer that can be loaded; the error says where it was looked for. */
    public static void check(String name, Configuration conf) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("data.tokenizer is not set");
        }
        if (!BYTES.contains(name)) {
            locate(name, conf);
        }
    }

    public static TextTokenizer load(String name, Configuration conf) {
        check(name, conf);
        if (BYTES.contains(name)) {
            return TextTokenizer.bytes(name);
        }
        Path file = locate(name, conf);
        byte[] bytes;
        try (InputStream in = file.getFileSystem(conf).open(file)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
        }
        return file.getName().endsWith(".json") ? HuggingFaceTokenizer.of(name, file.toString(), bytes)
                : SentencePieceTokenizer.of(name, file.toString(), bytes);
    }

    /** The tokenizer file {@code name} refers to. */
    static Path locate(String name, Configuration conf) {
        List<String> looked = new ArrayList<>();
        Path given = new Path(name);
        Path found = fileIn(given, conf, looked);
        if (found != null) {
            return found;
        }
        for (java.nio.file.Path dir : cacheFolders(name)) {
            found = fileIn(new Path(dir.toUri()), conf, looked);
            if (found != null) {
                return found;
            }
        }
        throw new IllegalArgumentException("data.tokenizer '" + name + "' not found: not one of the bytes tokenizer's "
                + "names (" + String.join(", ", BYTES.stream().sorted().toList()) + "), and no tokenizer file at "
                + String.join(", ", looked) + "; fetch it, e.g. huggingface-cli download " + name
                + " tokenizer.json spiece.model --local-dir ~/.cache/attnspark/tokenizers/" + name);
    }

    /** {@code path} if it is a tokenizer file, else the preferred tokenizer file in the folder {@code path}. */
    private static Path fileIn(Path path, Configuration conf, List<String> looked) {
        looked.add(path.toString());
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                return null;
            }
            if (fs.getFileStatus(path).isFile()) {
                String n = path.getName().toLowerCase(Locale.ROOT);
                if (n.endsWith(".json") || n.endsWith(".model")) {
                    return path;
                }
                throw new IllegalArgumentException("data.tokenizer " + path + ": not a tokenizer.json or a "
                        + "SentencePiece .model file");
            }
            for (String f : FILES) {
                Path p = new Path(path, f);
                if (fs.exists(p)) {
                    return p;
                }
            }
            return null;
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("data.tokenizer")) {
                throw iae;
            }
            return null; // not a path this file system can read: a name to look up in the caches
        }
    }

    /** The cache folders where a tokenizer called {@code name} may be. */
    static List<java.nio.file.Path> cacheFolders(String name) {
        List<java.nio.file.Path> dirs = new ArrayList<>();
        String home = System.getProperty("user.home");
        String own = System.getenv("ATTNSPARK_TOKENIZERS");
        dirs.add((own != null ? java.nio.file.Path.of(own) : java.nio.file.Path.of(home, ".cache", "attnspark",
                "tokenizers")).resolve(name));
        String hf = System.getenv("HF_HOME");
        java.nio.file.Path snapshots = (hf != null ? java.nio.file.Path.of(hf) : java.nio.file.Path.of(home, ".cache",
                "huggingface")).resolve("hub").resolve("models--" + name.replace("/", "--")).resolve("snapshots");
        if (Files.isDirectory(snapshots)) {
            try (var s = Files.list(snapshots)) {
                s.sorted().forEach(dirs::add);
            } catch (IOException e) {
                // unreadable cache: nothing there
            }
        }
        return dirs;
    }

    /** The id of the first of {@code tokens} a tokenizer.json lists as an added token, or -1. */
    static int addedToken(JsonNode tokenizerJson, String... tokens) {
        for (String t : tokens) {
            for (JsonNode a : tokenizerJson.path("added_tokens")) {
                if (t.equals(a.path("content").asText())) {
                    return a.path("id").asInt();
                }
            }
        }
        return -1;
    }

    static JsonNode json(String file, byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new DatasetException(file + ": not a tokenizer.json (" + e.getMessage() + ")", e);
        }
    }
}
