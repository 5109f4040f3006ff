package dev.attnspark.job.task;

import dev.attnspark.datasets.imdb.Imdb;
import dev.attnspark.datasets.text.PaddedBatch;
import dev.attnspark.datasets.text.PerceiverTokenizer;
import dev.attnspark.datasets.text.PreparedText;
import dev.attnspark.datasets.text.TextClassification;
import dev.attnspark.datasets.text.TokenizedText;
import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.ImdbDataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.perceiverio.TextClassifierConfig;
import dev.attnspark.job.model.perceiverio.TextInputs;
import dev.attnspark.job.model.perceiverio.TextModelTypes;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Perceiver IO sentiment classification on IMDb (perceiver-io's {@code examples/training/txt_clf}): reviews
 * tokenized into UTF-8 bytes and cut at {@code data.max_seq_len}, batches padded to their longest review; trains on
 * {@code train}, validates on {@code test}. Reports the loss and the accuracy.
 */
public final class TextClassificationTask implements Task<TokenizedText> {

    @Override
    public String name() {
        return "perceiver-io-text-classifier";
    }

    @Override
    public ModelType<TextClassifierConfig> modelType() {
        return TextModelTypes.CLASSIFIER;
    }

    @Override
    public Class<? extends DataConfig> dataConfigClass() {
        return ImdbDataConfig.class;
    }

    @Override
    public void link(Object modelConfig, DataConfig data) {
        TextClassifierConfig m = (TextClassifierConfig) modelConfig;
        m.encoder.vocabSize = PerceiverTokenizer.VOCAB_SIZE;
        m.encoder.maxSeqLen = ((ImdbDataConfig) data).maxSeqLen;
    }

    @Override
    public void validateModel(Object modelConfig) {
        int classes = ((TextClassifierConfig) modelConfig).decoder.numClasses;
        if (classes != Imdb.NUM_CLASSES) {
            throw new IllegalArgumentException("model.decoder.num_classes must be " + Imdb.NUM_CLASSES
                    + " for IMDb (neg, pos), got " + classes);
        }
    }

    @Override
    public TaskData<TokenizedText> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain) {
        ImdbDataConfig d = (ImdbDataConfig) cfg.data();
        String trainSplit = Imdb.trainSplit(false).hfName(), validSplit = Imdb.validSplit().hfName();
        JavaRDD<TokenizedText> train, valid;
        String from;
        if (PreparedText.isPrepared(d.datasetDir, sc.hadoopConfiguration())) {
            for (String split : withTrain ? List.of(trainSplit, validSplit) : List.of(validSplit)) {
                PreparedText.require(d.datasetDir, PreparedText.TEXTS_KIND, d.tokenSettings(false), split,
                        sc.hadoopConfiguration());
            }
            train = withTrain ? PreparedText.texts(d.datasetDir, trainSplit, numPartitions) : null;
            valid = PreparedText.texts(d.datasetDir, validSplit, numPartitions);
            from = "prepared IMDb reviews at " + d.datasetDir;
        } else {
            train = withTrain ? tokenized(sc, d, Imdb.trainSplit(false), numPartitions) : null;
            valid = tokenized(sc, d, Imdb.validSplit(), numPartitions);
            from = "IMDb at " + d.datasetDir + " (raw reviews, tokenized now; the prep verb does it once)";
        }
        int maxSeqLen = d.maxSeqLen;
        return new TaskData<>(train, valid, (texts, epoch) -> batch(texts, maxSeqLen),
                from + ": " + (withTrain ? "train on " + trainSplit + ", " : "") + "validate on " + validSplit
                        + "; reviews cut at " + maxSeqLen + " byte tokens");
    }

    @Override
    public boolean prepares() {
        return true;
    }

    /** Tokenizes the {@code train} and {@code test} reviews into Parquet at {@code out}. */
    @Override
    public String prep(JavaSparkContext sc, JobConfig cfg, String out, int numPartitions) {
        ImdbDataConfig d = (ImdbDataConfig) cfg.data();
        Map<String, JavaRDD<TokenizedText>> splits = new LinkedHashMap<>();
        for (Imdb.Split split : List.of(Imdb.trainSplit(false), Imdb.validSplit())) {
            splits.put(split.hfName(), tokenized(sc, d, split, numPartitions));
        }
        PreparedText.Manifest m = PreparedText.writeTexts(splits, d.tokenSettings(false), d.datasetDir, out,
                sc.hadoopConfiguration());
        return "wrote " + m.splits() + " reviews of at most " + d.maxSeqLen + " tokens to " + out;
    }

    private static JavaRDD<TokenizedText> tokenized(JavaSparkContext sc, ImdbDataConfig d, Imdb.Split split,
                                                    int numPartitions) {
        return TextClassification.tokenize(Imdb.rdd(sc, Imdb.locate(d.datasetDir, split, sc.hadoopConfiguration()),
                numPartitions), d.maxSeqLen, d.addSpecialTokens);
    }

    /**
     * {@code input_ids} and {@code pad_mask} [B, L] padded to the longest review, {@code labels} [B] (neg 0, pos 1).
     */
    static Batch batch(List<TokenizedText> texts, int maxSeqLen) {
        List<int[]> ids = new ArrayList<>(texts.size());
        float[] labels = new float[texts.size()];
        for (int i = 0; i < labels.length; i++) {
            ids.add(texts.get(i).ids());
            labels[i] = texts.get(i).label();
        }
        PaddedBatch padded = TextBatches.pad(ids, maxSeqLen);
        int len = padded.length();
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(TextInputs.INPUT_IDS, TextBatches.matrix(padded.ids(), len));
        arrays.put(TextInputs.PAD_MASK, TextBatches.mask(padded.padMask(), len));
        arrays.put(Batch.LABELS, Nd4j.create(labels, new long[] {labels.length}, 'c'));
        return new Batch(arrays);
    }

    @Override
    public Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = Task.super.metrics(s);
        m.put("accuracy", s.accuracy());
        return m;
    }
}
