package io.github.clconv.backend;

import io.github.clconv.verify.Agreement;
import io.github.clconv.verify.CheckResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison itself must be able to fail: a wrong value, a NaN, an infinity. */
class AgreementTest {
    @Test
    void equalOutputsPass() {
        CheckResult r = Agreement.compare("op", "[3]", 1e-6, new float[][]{{1f, 2f, 3f}}, new double[][]{{1, 2, 3}});
        assertTrue(r.ok(), r.row());
    }

    @Test
    void oneWrongValueFailsAndIsNamed() {
        CheckResult r = Agreement.compare("op", "[3]", 1e-4, new float[][]{{1f, 2.01f, 3f}}, new double[][]{{1, 2, 3}});
        assertFalse(r.ok());
        assertTrue(r.mismatches().contains("[1] device 2.00999"), r.mismatches());
    }

    @Test
    void nanOnOneSideFails() {
        CheckResult r = Agreement.compare("op", "[2]", 1e-4, new float[][]{{Float.NaN, 1f}}, new double[][]{{0.5, 1}});
        assertFalse(r.ok());
        CheckResult inf = Agreement.compare("op", "[2]", 1e-4, new float[][]{{1f, 1f}}, new double[][]{{Double.POSITIVE_INFINITY, 1}});
        assertFalse(inf.ok());
    }

    @Test
    void errorsInASecondOutputCount() {
        CheckResult r = Agreement.compare("op", "[1]", 1e-4, new float[][]{{1f}, {5f}}, new double[][]{{1}, {4}});
        assertFalse(r.ok());
        assertTrue(r.mismatches().contains("out1[0]"), r.mismatches());
    }
}
