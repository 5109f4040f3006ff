package dev.attnspark.job.task;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.image.FuyuExamples;
import dev.attnspark.datasets.image.FuyuImageProcessor;
import dev.attnspark.datasets.image.FuyuSequence;
import dev.attnspark.datasets.image.ImageCaptions;
import dev.attnspark.datasets.text.TextTable;
import dev.attnspark.datasets.text.TextTokenizer;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.FuyuDataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.fuyu.FuyuConfig;
import dev.attnspark.job.model.fuyu.FuyuForCausalLM;
import dev.attnspark.job.model.fuyu.FuyuType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuyu's causal visual-language modelling, as the seed's {@code run_cvlm.py}: image-caption rows laid out as
 * {@code FuyuProcessor} lays them out ({@link FuyuExamples}), the loss on the text, {@code loss} and
 * {@code perplexity} reported.
 */
public final class FuyuTask implements Task<FuyuSequence> {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return FuyuType.NAME;
    }

    @Override
    public FuyuType modelType() {
        return FuyuType.INSTANCE;
    }

    @Override
    public Class<? extends DataConfig> dataConfigClass() {
        return FuyuDataConfig.class;
    }

    /**
     * With {@code model.name_or_path}, the architecture is its {@code config.json}'s and {@code data.tokenizer}
     * defaults to its {@code tokenizer.json}. {@code model.image_token_id} follows the tokenizer's {@code |SPEAKER|},
     * as FuyuProcessor looks it up; a tokenizer not on this machine leaves it as configured (checked when the data is
     * read).
     */
    @Override
    public void link(Object modelConfig, DataConfig data) {
        FuyuConfig m = (FuyuConfig) modelConfig;
        FuyuDataConfig d = (FuyuDataConfig) data;
        if (m.nameOrPath != null) {
            java.io.File config = new java.io.File(m.nameOrPath, "config.json");
            if (!config.isFile()) {
                throw new ConfigException("model.name_or_path " + m.nameOrPath + ": no config.json there (expected a "
                        + "local folder as a Hub download leaves it: config.json, model.safetensors or its shards and "
                        + "index, tokenizer.json)");
            }
            if (m.configOverrides == null || m.configOverrides.isBlank()) {
                try {
                    m.takeSettings(dev.attnspark.job.model.registry.ModelTypes.readConfig(FuyuType.INSTANCE, config));
                } catch (java.io.IOException e) {
                    throw new ConfigException(config + ": " + e.getMessage(), e);
                }
            }
            if (d.tokenizer == null) {
                d.tokenizer = new java.io.File(m.nameOrPath, "tokenizer.json").getPath();
            }
        }
        if (d.tokenizer == null || d.tokenizer.isBlank()) {
            throw new ConfigException("data.tokenizer is not set (a tokenizer.json, or model.name_or_path holding one)");
        }
        try {
            m.imageTokenId = d.textTokenizer(new org.apache.hadoop.conf.Configuration())
                    .tokenIds(FuyuExamples.IMAGE_TOKEN)[0];
        } catch (ConfigException | DatasetException | IllegalArgumentException e) {
            // not here: checked when the data is read
        }
    }

    @Override
    public TaskData<FuyuSequence> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain) {
        FuyuDataConfig d = (FuyuDataConfig) cfg.data();
        FuyuConfig m = (FuyuConfig) cfg.model();
        TextTokenizer tokenizer = d.textTokenizer(sc.hadoopConfiguration());
        DataConfig.requireVocabulary(m.vocabSize, tokenizer, d.tokenizer);
        FuyuExamples examples = new FuyuExamples(FuyuImageProcessor.of(d.imageHeight, d.imageWidth), tokenizer,
                d.blockSize);
        if (examples.imageTokenId() != m.imageTokenId) {
            throw new ConfigException("model.image_token_id (" + m.imageTokenId + ") is not the id of "
                    + FuyuExamples.IMAGE_TOKEN + " in data.tokenizer (" + examples.imageTokenId() + ")");
        }
        ImageCaptions.BadImagePolicy policy = ImageCaptions.BadImagePolicy.of(d.badImagePolicy);
        List<String> trainFiles = d.trainFile != null ? ImageCaptions.files(sc, d.trainFile)
                : split(sc, d.datasetDir, "train");
        List<String> validFiles = d.validationFile != null ? ImageCaptions.files(sc, d.validationFile)
                : d.datasetDir == null ? List.of() : split(sc, d.datasetDir, "validation", "valid");
        JavaRDD<ImageCaptions.Raw> trainRows = rows(sc, trainFiles, d);
        JavaRDD<ImageCaptions.Raw> validRows;
        String validFrom;
        if (validFiles.isEmpty()) {
            int pct = d.validationSplitPercentage;
            validRows = trainRows.filter(r -> heldOut(r, pct));
            trainRows = trainRows.filter(r -> !heldOut(r, pct));
            validFrom = pct + " % of the training rows";
        } else {
            validRows = rows(sc, validFiles, d);
            validFrom = String.join(", ", validFiles);
        }
        LongAccumulator skipped = sc.sc().longAccumulator("fuyu: images skipped");
        LongAccumulator truncated = sc.sc().longAccumulator("fuyu: sequences cut to block_size");
        JavaRDD<FuyuSequence> train = withTrain ? examples.sequences(ImageCaptions.decode(sc,
                trainRows.repartition(numPartitions), policy, skipped), truncated) : null;
        JavaRDD<FuyuSequence> valid = examples.sequences(ImageCaptions.decode(sc, validRows, policy, skipped),
                truncated);
        int pad = examples.padId();
        return new TaskData<>(train, valid, (batch, epoch) -> batch(batch, pad),
                "image captions: " + (withTrain ? "train on " + String.join(", ", trainFiles) + ", " : "")
                        + "validate on " + validFrom + "; images at most " + d.imageWidth + " x " + d.imageHeight
                        + " in 30 x 30 patches, " + tokenizer.name() + " tokens, block_size " + d.blockSize
                        + ", bad images: " + d.badImagePolicy,
                null, () -> counts(skipped, truncated, d.badImagePolicy));
    }

    /** The rows left out and cut while reading (every read of a split counts: a re-read after eviction again). */
    static String counts(LongAccumulator skipped, LongAccumulator truncated, String policy) {
        return String.format(java.util.Locale.ROOT, "%d images skipped (undecodable or missing; data.bad_image_policy=%s), "
                + "%d sequences cut to data.block_size", skipped.value(), policy, truncated.value());
    }

    private static JavaRDD<ImageCaptions.Raw> rows(JavaSparkContext sc, List<String> files, FuyuDataConfig d) {
        TextTable.Format format = TextTable.Format.of(files.get(0));
        for (String f : files) {
            if (TextTable.Format.of(f) != format) {
                throw new DatasetException(f + ": a " + TextTable.Format.of(f) + " file among " + format + " files");
            }
        }
        return ImageCaptions.read(sc, files, format, d.imageColumn, d.textColumn);
    }

    /** The files of {@code dir} whose names start with one of the split's names ({@code train.jsonl}, ...). */
    private static List<String> split(JavaSparkContext sc, String dir, String... names) {
        List<String> out = new ArrayList<>();
        for (String f : ImageCaptions.files(sc, dir)) {
            String name = new org.apache.hadoop.fs.Path(f).getName();
            for (String n : names) {
                if (name.startsWith(n + ".") || name.startsWith(n + "-")) {
                    out.add(f);
                    break;
                }
            }
        }
        if (out.isEmpty() && names[0].equals("train")) {
            throw new DatasetException(dir + ": no training files (train.jsonl, train.csv or train-*.parquet)");
        }
        return out;
    }

    /** A fixed {@code pct} % of the rows, by file and row: the same split every run. */
    static boolean heldOut(ImageCaptions.Raw r, int pct) {
        long h = (r.file().hashCode() * 0x9E3779B97F4A7C15L) ^ (r.row() * 0xC2B2AE3D27D4EB4FL);
        return Math.floorMod(new java.util.SplittableRandom(h).nextLong(), 100) < pct;
    }

    /** {@code input_ids}, {@code image_patches}, {@code attention_mask} and {@code labels}, padded on the left. */
    static Batch batch(List<FuyuSequence> examples, int pad) {
        FuyuSequence.Batch b = FuyuSequence.leftPadded(examples, pad);
        long[] shape = {b.size(), b.length()};
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> arrays = new LinkedHashMap<>();
        arrays.put(FuyuForCausalLM.INPUT_IDS, Nd4j.create(b.ids(), shape, 'c'));
        arrays.put(FuyuForCausalLM.IMAGE_PATCHES, Nd4j.create(b.patches(), new long[] {b.size(), b.maxPatches(),
                b.patchValues()}, 'c'));
        arrays.put(FuyuForCausalLM.ATTENTION_MASK, Nd4j.create(b.attentionMask(), shape, 'c'));
        arrays.put(Batch.LABELS, Nd4j.create(b.labels(), shape, 'c'));
        return new Batch(arrays);
    }

    @Override
    public Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = Task.super.metrics(s);
        m.put("perplexity", Math.exp(s.meanLoss()));
        return m;
    }
}
