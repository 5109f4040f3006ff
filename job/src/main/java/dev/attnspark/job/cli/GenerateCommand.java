package dev.attnspark.job.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnspark.datasets.text.TextTokenizer;
import dev.attnspark.job.checkpoint.Checkpoints;
import dev.attnspark.job.config.ClmDataConfig;
import dev.attnspark.job.config.ConfigException;
import dev.attnspark.job.config.ConfigLoader;
import dev.attnspark.job.config.HadoopConf;
import dev.attnspark.job.config.JobConfig;
import dev.attnspark.job.config.ResumePolicy;
import dev.attnspark.job.model.Model;
import dev.attnspark.job.model.autograd.Tape;
import dev.attnspark.job.model.dl4j.Graphs;
import dev.attnspark.job.model.perceiverar.CausalLanguageModel;
import dev.attnspark.job.model.perceiverar.Generator;
import dev.attnspark.job.task.Tasks;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a trained Perceiver AR checkpoint, as perceiver-io's generate does: "
                + "greedy (the same text every time) unless --do_sample, --temperature, --top_k or --top_p is given.",
                "Prints the prompt followed by the generated text."})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "a checkpoint folder, or a run folder (its newest intact checkpoint)")
    String checkpoint;

    @Option(names = "--prompt", required = true, description = "the text to continue")
    String prompt;

    @Option(names = "--max_new_tokens", defaultValue = "256", description = "tokens to generate (default "
            + "${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--num_latents", defaultValue = "1", description = "latent positions at the end of the prompt to "
            + "start with; they grow to max_latents (default ${DEFAULT-VALUE})")
    int numLatents;

    @Option(names = "--do_sample", description = "sample instead of greedy decoding")
    boolean doSample;

    @Option(names = "--temperature", description = "sampling temperature (default 1.0; implies --do_sample)")
    Double temperature;

    @Option(names = "--top_k", description = "sample from the k most likely tokens (implies --do_sample)")
    Integer topK;

    @Option(names = "--top_p", description = "sample from the most likely tokens whose probabilities sum to p "
            + "(implies --do_sample)")
    Double topP;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        Checkpoints.Loaded loaded = Checkpoints.load(new Path(checkpoint), HadoopConf.of(ConfigLoader.parse("{}",
                "overrides")));
        ObjectNode saved = ConfigLoader.parse(loaded.configYaml(), loaded.dir() + "/config.yaml");
        JobConfig cfg = ResumePolicy.apply(saved, saved.deepCopy(), Tasks.ALL, ResumePolicy.MAY_CHANGE_ON_EVALUATE,
                "generate");
        Model model = Graphs.modelLayer(loaded.network()).model();
        if (!(model instanceof CausalLanguageModel clm) || !(cfg.data() instanceof ClmDataConfig data)) {
            throw new ConfigException(loaded.dir() + " is a " + cfg.task() + " checkpoint; generate needs a causal "
                    + "language model (task perceiver-ar-clm)");
        }
        TextTokenizer tokenizer = data.textTokenizer(HadoopConf.of(saved));
        int[] ids = tokenizer.encode(prompt, data.addSpecialTokens);
        if (ids.length == 0) {
            throw new ConfigException("--prompt has no tokens; give some text to continue");
        }
        boolean sample = doSample || temperature != null || topK != null || topP != null;
        Generator.Options options;
        try {
            options = new Generator.Options(maxNewTokens, numLatents, sample, temperature == null ? 1.0 : temperature,
                    topK == null ? 0 : topK, topP == null ? 1.0 : topP, seed);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        int[] generated = Generator.generate(clm, Tape.ParamSource.readOnly(Graphs.parameters(loaded.network())), ids,
                options, t -> { });
        System.out.println(prompt + tokenizer.decode(generated));
        return 0;
    }
}
