package dev.attnspark.job.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attnspark.datasets.image.FuyuImageProcessor;
import dev.attnspark.datasets.image.RgbImage;
import dev.attnspark.job.checkpoint.Safetensors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code reference-check --model-type fuyu-image-processor}: runs {@link FuyuImageProcessor}, configured from the
 * fixture's {@code config.json} (Hugging Face's {@code preprocessor_config.json} fields), on its {@code input.png}
 * and compares the padded image, the patches and the sizes with what Hugging Face's processor returned.
 */
final class ImageProcessorCheck {
    static final String NAME = "fuyu-image-processor";
    /** The same arithmetic in the same types gives the same values: a mismatch of one ulp is a difference. */
    static final double TOLERANCE = 0;

    private ImageProcessorCheck() {}

    static ReferenceCheck.Result run(Path dir, Path ioFile) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such fixture folder");
        }
        FuyuImageProcessor processor = processor(dir.resolve("config.json"));
        Path input = dir.resolve("input.png");
        BufferedImage decoded = Files.isRegularFile(input) ? ImageIO.read(input.toFile()) : null;
        if (decoded == null) {
            throw new IOException(input + ": missing or not a decodable image");
        }
        FuyuImageProcessor.Processed p = processor.process(RgbImage.of(decoded));
        Map<String, INDArray> io = Safetensors.read(ioFile);
        List<ReferenceCheck.Comparison> out = new ArrayList<>();
        out.add(compare("images", Nd4j.create(p.image()), io, ioFile));
        float[] patches = new float[p.patches().length * p.patches()[0].length];
        for (int i = 0; i < p.patches().length; i++) {
            System.arraycopy(p.patches()[i], 0, patches, i * p.patches()[i].length, p.patches()[i].length);
        }
        out.add(compare("patches", Nd4j.create(patches), io, ioFile));
        out.add(compare("image_sizes", Nd4j.createFromArray((double) p.height(), p.width()), io, ioFile));
        out.add(compare("image_unpadded_heights", Nd4j.createFromArray((double) p.height()), io, ioFile));
        out.add(compare("image_unpadded_widths", Nd4j.createFromArray((double) p.width()), io, ioFile));
        out.add(compare("image_scale_factors", Nd4j.createFromArray((double) (float) p.scaleFactor()), io, ioFile));
        return new ReferenceCheck.Result(NAME, dir, 0, out);
    }

    /** The processor a {@code FuyuImageProcessor} configuration describes; an error for what it cannot do. */
    static FuyuImageProcessor processor(Path configFile) throws IOException {
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "fixture has no config.json");
        }
        JsonNode c = new ObjectMapper().readTree(configFile.toFile());
        for (String flag : List.of("do_resize", "do_rescale", "do_normalize", "do_pad")) {
            if (!c.path(flag).asBoolean(true)) {
                throw new IllegalArgumentException(configFile + ": " + flag + "=false is not supported");
            }
        }
        if (c.path("resample").asInt(2) != 2 || !c.path("padding_mode").asText("constant").equals("constant")) {
            throw new IllegalArgumentException(configFile + ": only bilinear resampling (2) and constant padding "
                    + "are supported");
        }
        return new FuyuImageProcessor(c.path("size").path("height").asInt(1080), c.path("size").path("width").asInt(1920),
                c.path("patch_size").path("height").asInt(30), c.path("patch_size").path("width").asInt(30),
                c.path("padding_value").asDouble(1.0), c.path("rescale_factor").asDouble(1 / 255.0),
                scalar(c.path("image_mean")), scalar(c.path("image_std")));
    }

    /** mean and std: one value, or three equal ones. */
    private static double scalar(JsonNode n) {
        if (n.isMissingNode()) {
            return 0.5;
        }
        if (n.isArray()) {
            for (JsonNode v : n) {
                if (v.asDouble() != n.get(0).asDouble()) {
                    throw new IllegalArgumentException("per-channel image_mean/image_std are not supported: " + n);
                }
            }
            return n.get(0).asDouble();
        }
        return n.asDouble();
    }

    private static ReferenceCheck.Comparison compare(String name, INDArray actual, Map<String, INDArray> io,
                                                     Path ioFile) {
        return ReferenceCheck.compare(name, actual.castTo(DataType.DOUBLE),
                ReferenceCheck.require(io, name, ioFile).castTo(DataType.DOUBLE), TOLERANCE);
    }
}
