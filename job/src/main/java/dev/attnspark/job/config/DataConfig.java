package dev.attnspark.job.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The {@code data} section: where the dataset is and how it is batched. Datasets extend it with their own keys. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public class DataConfig {
    /** Dataset format, e.g. {@code mnist}. */
    public String dataset;
    /** Folder holding the dataset files: a local path, {@code file:}, {@code hdfs:} or {@code s3a:} URI. */
    public String datasetDir;
    /** Examples per batch, per worker (the global batch is this times the number of workers). */
    public int batchSize = 64;
    /** Partitions the examples are read into (0: twice the number of workers). */
    public int numPartitions = 0;
    /** Whether the training examples are reshuffled every epoch (seeded by {@code trainer.seed} and the epoch). */
    public boolean shuffle = true;

    /** The tokenizer {@code name} names (see {@code Tokenizers.load}); a name it cannot load is a configuration error. */
    protected static dev.attnspark.datasets.text.TextTokenizer loadTokenizer(String name,
                                                                           org.apache.hadoop.conf.Configuration conf) {
        try {
            return dev.attnspark.datasets.text.Tokenizers.load(name, conf);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /** An error when a model's {@code vocab_size} cannot hold every id of the tokenizer {@code data.tokenizer} names. */
    public static void requireVocabulary(int modelVocab, dev.attnspark.datasets.text.TextTokenizer tokenizer,
                                         String tokenizerName) {
        if (tokenizer.vocabSize() > modelVocab) {
            throw new ConfigException("model.vocab_size (" + modelVocab + ") is smaller than the vocabulary of "
                    + "data.tokenizer " + tokenizerName + " (" + tokenizer.vocabSize() + ")");
        }
    }

    /** Examples per validation batch. */
    public int validationBatchSize() {
        return batchSize;
    }

    public void validate() {
        if (dataset == null || dataset.isBlank()) {
            throw new ConfigException("data.dataset is not set");
        }
        if (datasetDir == null || datasetDir.isBlank()) {
            throw new ConfigException("data.dataset_dir is not set (the folder with the " + dataset + " files)");
        }
        if (batchSize <= 0) {
            throw new ConfigException("data.batch_size must be > 0, got " + batchSize);
        }
        if (numPartitions < 0) {
            throw new ConfigException("data.num_partitions must be >= 0, got " + numPartitions);
        }
    }
}
