package io.github.clconv.verify;

import java.util.List;
import java.util.Random;

/** One op family's agreement check: runs one seeded case on both backends, returns its comparisons. */
public record OpFamily(String name, Check check) {

    @FunctionalInterface
    public interface Check {
        List<CheckResult> run(Pair p, Random rnd, int caseIndex);
    }

    public List<CheckResult> run(Pair p, long seed, int caseIndex) {
        try {
            return check.run(p, new Random(seed * 1_000_003L + caseIndex), caseIndex);
        } finally {
            p.close();
        }
    }
}
