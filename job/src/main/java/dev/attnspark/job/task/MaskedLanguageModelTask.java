package dev.attnspark.job.task;

import dev.attnspark.datasets.imdb.Imdb;
import dev.attnspark.datasets.text.MaskedExample;
import dev.attnspark.datasets.text.MlmChunks;
import dev.attnspark.datasets.text.MlmOptions;
import dev.attnspark.datasets.text.PaddedBatch;
import dev.attnspark.datasets.text.PerceiverTokenizer;
import dev.attnspark.datasets.text.PreparedText;
import dev.attnspark.datasets.text.TokenChunk;
import dev.attnspark.datasets.text.WholeWordMasking;
import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.ImdbDataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.perceiverio.MaskedLanguageModelConfig;
import dev.attnspark.job.model.perceiverio.TextInputs;
import dev.attnspark.job.model.perceiverio.TextModelTypes;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Perceiver IO masked language modelling on IMDb (perceiver-io's {@code examples/training/mlm}): reviews tokenized
 * into UTF-8 bytes, concatenated and cut into {@code data.max_seq_len} chunks; whole-word masking, a fresh mask per
 * epoch unless {@code data.static_masking}; trains on the {@code unsupervised} split, validates on {@code test} with
 * one fixed mask. Reports the loss over masked tokens and their accuracy.
 */
public final class MaskedLanguageModelTask implements Task<TokenChunk> {

    @Override
    public String name() {
        return "perceiver-io-mlm";
    }

    @Override
    public ModelType<MaskedLanguageModelConfig> modelType() {
        return TextModelTypes.MLM;
    }

    @Override
    public Class<? extends DataConfig> dataConfigClass() {
        return ImdbDataConfig.class;
    }

    /** The vocabulary follows the tokenizer and the sequence length the data, as perceiver-io's CLI links them. */
    @Override
    public void link(Object modelConfig, DataConfig data) {
        MaskedLanguageModelConfig m = (MaskedLanguageModelConfig) modelConfig;
        ImdbDataConfig d = (ImdbDataConfig) data;
        m.encoder.vocabSize = PerceiverTokenizer.VOCAB_SIZE;
        m.decoder.vocabSize = PerceiverTokenizer.VOCAB_SIZE;
        m.encoder.maxSeqLen = d.maxSeqLen;
        m.decoder.maxSeqLen = d.maxSeqLen;
    }

    @Override
    public TaskData<TokenChunk> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain) {
        ImdbDataConfig d = (ImdbDataConfig) cfg.data();
        MlmOptions options = d.mlmOptions(cfg.trainer().seed);
        String trainSplit = Imdb.trainSplit(true).hfName(), validSplit = Imdb.validSplit().hfName();
        JavaRDD<TokenChunk> train, valid;
        String from;
        if (PreparedText.isPrepared(d.datasetDir, sc.hadoopConfiguration())) {
            PreparedText.require(d.datasetDir, PreparedText.CHUNKS_KIND, d.tokenSettings(true), validSplit,
                    sc.hadoopConfiguration());
            if (withTrain) {
                PreparedText.require(d.datasetDir, PreparedText.CHUNKS_KIND, d.tokenSettings(true), trainSplit,
                        sc.hadoopConfiguration());
            }
            train = withTrain ? PreparedText.chunks(d.datasetDir, trainSplit, numPartitions) : null;
            valid = PreparedText.chunks(d.datasetDir, validSplit, numPartitions);
            from = "prepared IMDb chunks at " + d.datasetDir;
        } else {
            train = withTrain ? chunks(sc, Imdb.locate(d.datasetDir, Imdb.trainSplit(true), sc.hadoopConfiguration()),
                    options, numPartitions) : null;
            valid = chunks(sc, Imdb.locate(d.datasetDir, Imdb.validSplit(), sc.hadoopConfiguration()), options,
                    numPartitions);
            from = "IMDb at " + d.datasetDir + " (raw reviews, tokenized now; the prep verb does it once)";
        }
        WholeWordMasking masking = options.masking();
        boolean staticMasking = options.staticMasking();
        int maxSeqLen = d.maxSeqLen;
        return new TaskData<>(train, valid,
                (chunks, epoch) -> batch(chunks, masking, staticMasking ? BatchMaker.VALIDATION : epoch, maxSeqLen),
                from + ": " + (withTrain ? "train on " + trainSplit + ", " : "") + "validate on " + validSplit
                        + "; chunks of " + d.maxSeqLen + " byte tokens, " + (staticMasking ? "static" : "dynamic")
                        + " whole-word masking of " + d.maskProb + " of the words");
    }

    @Override
    public boolean prepares() {
        return true;
    }

    /** Tokenizes and chunks the {@code unsupervised} and {@code test} reviews into Parquet at {@code out}. */
    @Override
    public String prep(JavaSparkContext sc, JobConfig cfg, String out, int numPartitions) {
        ImdbDataConfig d = (ImdbDataConfig) cfg.data();
        MlmOptions options = d.mlmOptions(cfg.trainer().seed);
        Map<String, JavaRDD<TokenChunk>> splits = new LinkedHashMap<>();
        for (Imdb.Split split : List.of(Imdb.trainSplit(true), Imdb.validSplit())) {
            splits.put(split.hfName(), chunks(sc, Imdb.locate(d.datasetDir, split, sc.hadoopConfiguration()), options,
                    numPartitions));
        }
        PreparedText.Manifest m = PreparedText.writeChunks(splits, d.tokenSettings(true), d.datasetDir, out,
                sc.hadoopConfiguration());
        return "wrote " + m.splits() + " chunks of " + d.maxSeqLen + " tokens to " + out;
    }

    private static JavaRDD<TokenChunk> chunks(JavaSparkContext sc, Imdb.Source split, MlmOptions options, int parts) {
        return MlmChunks.chunks(Imdb.texts(Imdb.rdd(sc, split, parts)), options);
    }

    /**
     * Chunks masked for {@code epoch} ({@link BatchMaker#VALIDATION}: the static mask), padded to the longest:
     * {@code input_ids}, {@code pad_mask} and {@code labels} (original ids at masked words, -100 elsewhere), all
     * [B, L].
     */
    static Batch batch(List<TokenChunk> chunks, WholeWordMasking masking, int epoch, int maxSeqLen) {
        List<int[]> inputs = new ArrayList<>(chunks.size());
        List<int[]> labels = new ArrayList<>(chunks.size());
        for (TokenChunk c : chunks) {
            MaskedExample m = masking.mask(c, epoch < 0 ? WholeWordMasking.STATIC_EPOCH : epoch);
            inputs.add(m.inputIds());
            labels.add(m.labels());
        }
        PaddedBatch padded = TextBatches.pad(inputs, maxSeqLen);
        int len = padded.length();
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> arrays = new LinkedHashMap<>();
        arrays.put(TextInputs.INPUT_IDS, TextBatches.matrix(padded.ids(), len));
        arrays.put(TextInputs.PAD_MASK, TextBatches.mask(padded.padMask(), len));
        arrays.put(Batch.LABELS, TextBatches.matrix(PaddedBatch.pad(labels, len, WholeWordMasking.IGNORE_LABEL), len));
        return new Batch(arrays);
    }

    /** {@code loss} over the masked tokens, and {@code accuracy}: the share of masked tokens predicted right. */
    @Override
    public Map<String, Double> metrics(MetricSums s) {
        Map<String, Double> m = Task.super.metrics(s);
        m.put("accuracy", s.accuracy());
        return m;
    }
}
