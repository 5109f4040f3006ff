package dev.attnspark.job.task;

import dev.attnspark.datasets.text.ClmChunks;
import dev.attnspark.datasets.text.ClmExample;
import dev.attnspark.datasets.text.Corpus;
import dev.attnspark.datasets.io.SerializableConfiguration;
import dev.attnspark.datasets.text.PreparedText;
import dev.attnspark.datasets.text.ShardStream;
import dev.attnspark.datasets.text.StreamPosition;
import dev.attnspark.datasets.text.TextTokenizer;
import dev.attnspark.datasets.text.TokenSequence;
import dev.attnspark.job.config.ClmDataConfig;
import dev.attnspark.job.config.DataConfig;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.model.Batch;
import dev.attnspark.job.model.ModelType;
import dev.attnspark.job.model.perceiverar.CausalLanguageModel;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelConfig;
import dev.attnspark.job.model.perceiverar.CausalLanguageModelType;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Perceiver AR causal language modelling (perceiver-io's {@code examples/training/clm}): a corpus tokenized,
 * concatenated and cut into chunks of {@code max_seq_len + 1} tokens, each giving {@code max_seq_len} inputs and
 * their next tokens; with {@code random_train_shift} a training example is a chunk joined with the next one at a
 * random offset, drawn anew every epoch. Batches are padded on the left. Trains on the {@code train} split, validates
 * on {@code valid}; reports the loss per token and, with the bytes tokenizer, {@code bits_per_byte} (else
 * {@code perplexity}).
 */
public final class CausalLanguageModelTask implements Task<ClmExample> {
    static final String TRAIN = "train";
    static final String VALID = "valid";

    @Override
    public String name() {
        return "perceiver-ar-clm";
    }

    @Override
    public ModelType<CausalLanguageModelConfig> modelType() {
        return CausalLanguageModelType.INSTANCE;
    }

    @Override
    public Class<? extends DataConfig> dataConfigClass() {
        return ClmDataConfig.class;
    }

    /**
     * {@code model.vocab_size} follows the tokenizer and {@code model.max_seq_len} the data, as perceiver-io's CLI
     * links them. A tokenizer that is not on this machine leaves {@code vocab_size} as configured (e.g. to print or
     * check a configuration); training loads it and checks the two agree.
     */
    @Override
    public void link(Object modelConfig, DataConfig data) {
        CausalLanguageModelConfig m = (CausalLanguageModelConfig) modelConfig;
        ClmDataConfig d = (ClmDataConfig) data;
        m.maxSeqLen = d.maxSeqLen;
        try {
            m.vocabSize = d.textTokenizer(new org.apache.hadoop.conf.Configuration()).vocabSize();
        } catch (dev.attnspark.job.config.ConfigException e) {
            // not here: checked when the data is read
        }
    }

    @Override
    public TaskData<ClmExample> data(JavaSparkContext sc, JobConfig cfg, int numPartitions, boolean withTrain) {
        ClmDataConfig d = (ClmDataConfig) cfg.data();
        TextTokenizer tokenizer = d.textTokenizer(sc.hadoopConfiguration());
        DataConfig.requireVocabulary(((CausalLanguageModelConfig) cfg.model()).vocabSize, tokenizer, d.tokenizer);
        if (d.streaming()) {
            return streamed(sc, cfg, d, tokenizer, withTrain);
        }
        String from;
        JavaRDD<TokenSequence> train = null, valid;
        if (PreparedText.isPrepared(d.datasetDir, sc.hadoopConfiguration())) {
            for (String split : withTrain ? List.of(VALID, TRAIN) : List.of(VALID)) {
                PreparedText.require(d.datasetDir, PreparedText.SEQUENCES_KIND, d.tokenSettings(), split,
                        sc.hadoopConfiguration());
            }
            train = withTrain ? PreparedText.sequences(d.datasetDir, TRAIN, numPartitions) : null;
            valid = PreparedText.sequences(d.datasetDir, VALID, numPartitions);
            from = "prepared " + d.dataset + " sequences at " + d.datasetDir;
        } else {
            if (withTrain) {
                train = chunks(sc, d, tokenizer, TRAIN);
            }
            valid = chunks(sc, d, tokenizer, VALID);
            from = d.dataset + " at " + d.datasetDir + " (tokenized now; the prep verb does it once)";
        }
        JavaRDD<ClmExample> trainExamples = train == null ? null
                : d.randomTrainShift ? ClmChunks.withSuccessors(train) : ClmChunks.examples(train);
        JavaRDD<ClmExample> validExamples = d.randomValidShift ? ClmChunks.withSuccessors(valid)
                : ClmChunks.examples(valid);
        long seed = cfg.trainer().seed;
        boolean shiftTrain = d.randomTrainShift, shiftValid = d.randomValidShift;
        int pad = tokenizer.padId();
        return new TaskData<>(trainExamples, validExamples,
                (examples, epoch) -> batch(examples, epoch, epoch == BatchMaker.VALIDATION ? shiftValid : shiftTrain,
                        seed, pad),
                from + ": " + (withTrain ? "train on " + TRAIN + ", " : "") + "validate on " + VALID + "; "
                        + (d.maxSeqLen + 1) + "-token chunks of " + tokenizer.name() + " tokens"
                        + (shiftTrain ? ", random training shifts" : "") + ", left padding");
    }

    /**
     * Streaming: executors read the training shards themselves ({@link ShardStream}); validation reads the
     * validation shards in path order, at fixed length, in one partition, and stops after
     * {@code trainer.limit_val_batches} batches.
     */
    private TaskData<ClmExample> streamed(JavaSparkContext sc, JobConfig cfg, ClmDataConfig d, TextTokenizer tokenizer,
                                          boolean withTrain) {
        Corpus.Source validSource = Corpus.locate(d.datasetDir, d.dataset, VALID, sc.hadoopConfiguration());
        ShardStream.Spec validSpec = spec(validSource, d, tokenizer, 0, 1, false, cfg.trainer().seed);
        long validLimit = cfg.trainer().limitValBatches > 0
                ? (long) cfg.trainer().limitValBatches * d.validationBatchSize() : Long.MAX_VALUE;
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        JavaRDD<ClmExample> valid = sc.parallelize(List.of(0), 1).mapPartitions(x -> {
            ShardStream s = ShardStream.open(validSpec, conf.get(), 0, 1, 0, StreamPosition.START);
            List<ClmExample> out = new ArrayList<>();
            while (s.hasNext() && out.size() < validLimit) {
                TokenSequence t = s.next();
                out.add(new ClmExample(t.index(), t.ids(), null));
            }
            return out.iterator();
        });
        ExampleStreams<ClmExample> streams = null;
        String trainDescription = "";
        if (withTrain) {
            Corpus.Source trainSource = Corpus.locate(d.datasetDir, d.dataset, TRAIN, sc.hadoopConfiguration());
            ShardStream.Spec trainSpec = spec(trainSource, d, tokenizer, d.minSeqLen == null ? 0 : d.minSeqLen,
                    d.shuffleWindowSize, true, cfg.trainer().seed);
            streams = (stream, n, epoch, from) -> {
                ShardStream s = ShardStream.open(trainSpec, conf.get(), stream, n, epoch, from);
                return new ExampleStreams.Positioned<>() {
                    @Override
                    public StreamPosition position() {
                        return s.position();
                    }

                    @Override
                    public boolean hasNext() {
                        return s.hasNext();
                    }

                    @Override
                    public ClmExample next() {
                        TokenSequence t = s.next();
                        return new ClmExample(t.index(), t.ids(), null);
                    }
                };
            };
            trainDescription = "stream " + trainSource.files().size() + " train shards (seeded order per epoch, "
                    + "shuffle window " + d.shuffleWindowSize + " documents, " + (d.minSeqLen == null
                    ? (d.maxSeqLen + 1) + "-token chunks" : "chunks of " + (d.minSeqLen + 1) + ".." + (d.maxSeqLen + 1)
                    + " tokens") + "), ";
        }
        int pad = tokenizer.padId();
        return new TaskData<>(null, valid, (examples, epoch) -> batch(examples, epoch, false, 0, pad),
                d.dataset + " at " + d.datasetDir + ": " + trainDescription + "validate on the first "
                        + (validLimit == Long.MAX_VALUE ? "" : validLimit + " ") + "chunks of "
                        + validSource.files().size() + " " + VALID + " shards; " + tokenizer.name() + " tokens"
                        + (d.addEos() ? ", EOS after each document" : "") + ", left padding", streams);
    }

    private static ShardStream.Spec spec(Corpus.Source source, ClmDataConfig d, TextTokenizer tokenizer, int minSeqLen,
                                         int window, boolean shuffleShards, long seed) {
        if (source.format() == Corpus.Format.TABLE && source.tableFormat() != dev.attnspark.datasets.text.TextTable
                .Format.JSON) {
            throw new dev.attnspark.job.config.ConfigException("data.streaming reads text and JSON-lines shards; "
                    + source.files().get(0) + " is " + source.tableFormat() + ": set data.streaming=false");
        }
        return new ShardStream.Spec(source.files(), source.format() == Corpus.Format.TABLE, source.blankLinesEmpty(),
                tokenizer, d.addEos(), d.maxSeqLen, minSeqLen, d.concatBatchSize, window, shuffleShards, seed);
    }

    private static JavaRDD<TokenSequence> chunks(JavaSparkContext sc, ClmDataConfig d, TextTokenizer tokenizer,
                                                 String split) {
        Corpus.Source source = Corpus.locate(d.datasetDir, d.dataset, split, sc.hadoopConfiguration());
        return ClmChunks.chunks(Corpus.texts(sc, source, sc.defaultParallelism()), tokenizer,
                d.addSpecialTokens, d.addEos(), d.maxSeqLen + 1, d.preprocBatchSize);
    }

    @Override
    public boolean prepares() {
        return true;
    }

    /** Tokenizes and chunks the {@code train} and {@code valid} splits into Parquet at {@code out}. */
    @Override
    public String prep(JavaSparkContext sc, JobConfig cfg, String out, int numPartitions) {
        ClmDataConfig d = (ClmDataConfig) cfg.data();
        TextTokenizer tokenizer = d.textTokenizer(sc.hadoopConfiguration());
        Map<String, JavaRDD<TokenSequence>> splits = new LinkedHashMap<>();
        for (String split : List.of(TRAIN, VALID)) {
            splits.put(split, chunks(sc, d, tokenizer, split));
        }
        PreparedText.Manifest m = PreparedText.writeSequences(splits, d.tokenSettings(), d.datasetDir, out,
                sc.hadoopConfiguration());
        return "wrote " + m.splits() + " sequences of " + (d.maxSeqLen + 1) + " tokens to " + out;
    }

    /**
     * Examples as one batch: each chunk (shifted for training, when asked) gives inputs {@code ids[:-1]} and labels
     * {@code ids[1:]}; rows are padded on the left to the longest, {@code pad_mask} 1 and labels -100 there.
     *
     * @param epoch the training epoch (with the seed and the chunk, it fixes the shift), or
     *              {@link BatchMaker#VALIDATION}
     */
    static Batch batch(List<ClmExample> examples, int epoch, boolean shift, long seed, int padId) {
        int n = examples.size();
        int[][] seqs = new int[n][];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            ClmExample e = examples.get(i);
            int[] s = e.ids();
            if (shift && e.next() != null && s.length > 1) {
                s = ClmChunks.shifted(s, e.next(), shiftOf(seed, epoch, e.index(), s.length));
            }
            seqs[i] = s;
            longest = Math.max(longest, s.length - 1);
        }
        if (longest < 1) {
            throw new IllegalArgumentException("a batch of chunks of one token has nothing to predict");
        }
        float[] ids = new float[n * longest], labels = new float[n * longest], pad = new float[n * longest];
        for (int i = 0; i < n; i++) {
            int len = seqs[i].length - 1, off = longest - len;
            Arrays.fill(ids, i * longest, i * longest + off, padId);
            Arrays.fill(labels, i * longest, i * longest + off, -100);
            Arrays.fill(pad, i * longest, i * longest + off, 1f);
            for (int j = 0; j < len; j++) {
                ids[i * longest + off + j] = seqs[i][j];
                labels[i * longest + off + j] = seqs[i][j + 1];
            }
        }
        long[] shape = {n, longest};
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(CausalLanguageModel.INPUT_IDS, org.nd4j.linalg.factory.Nd4j.create(ids, shape, 'c'));
        arrays.put(CausalLanguageModel.PAD_MASK, org.nd4j.linalg.factory.Nd4j.create(pad, shape, 'c'));
        arrays.put(Batch.LABELS, org.nd4j.linalg.factory.Nd4j.create(labels, shape, 'c'));
        return new Batch(arrays);
    }

    /** A shift in [0, length) drawn from the seed, the epoch and the chunk: the same in a resumed run. */
    static int shiftOf(long seed, int epoch, long index, int length) {
        long mixed = seed * 0x9E3779B97F4A7C15L ^ (epoch + 1L) * 0xC2B2AE3D27D4EB4FL ^ index * 0x165667B19E3779F9L;
        return new SplittableRandom(mixed).nextInt(length);
    }

    @Override
    public Map<String, Double> metrics(MetricSums s, DataConfig data) {
        Map<String, Double> m = Task.super.metrics(s);
        if (((ClmDataConfig) data).bytesTokenizer()) {
            m.put("bits_per_byte", s.meanLoss() / Math.log(2)); // one token per byte
        } else {
            m.put("perplexity", Math.exp(s.meanLoss()));
        }
        return m;
    }
}
