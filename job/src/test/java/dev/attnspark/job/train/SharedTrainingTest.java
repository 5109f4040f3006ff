package dev.attnspark.job.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;


/** Gradient sharing (DL4J's SharedTrainingMaster, Aeron) in Spark local[2] learns the generated digits. */
class SharedTrainingTest {

    @Test
    void reachesNinetyPercentValidationAccuracy(@TempDir Path tmp) throws Exception {
        Path digits = TestRuns.digits(tmp.resolve("digits"), 6000, 1000);
        Path run = tmp.resolve("run");
        Trainer.Result r = Trainer.train(TestRuns.config(digits, run, StrategyRuns.overrides("shared", 5)), false, System.out);
        StrategyRuns.assertLearned(run, r, 5);
    }
}
