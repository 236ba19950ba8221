package io.github.clconv.backend;

import io.github.clconv.TestDevices;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op family, device against reference, on 24 seeded shapes each (the first five
 * fixed edge cases, then random). The tolerance of each comparison stands in
 * io.github.clconv.verify.Tolerance with its reason; a failure prints the first mismatches.
 */
class DeviceAgreementTest {
    static final long SEED = 20261123L;
    static final int CASES = 24;

    @TestFactory
    List<DynamicTest> everyOpAgreesWithTheReference() {
        System.out.println("DeviceAgreementTest seed " + SEED);
        ClBackend dev = TestDevices.cl();
        ReferenceBackend ref = new ReferenceBackend();
        List<DynamicTest> tests = new ArrayList<>();
        for (OpFamily family : OpCatalog.all()) {
            tests.add(DynamicTest.dynamicTest(family.name() + " x" + CASES + " (seed " + SEED + ")", () -> {
                int liveBefore = dev.liveBuffers();
                List<String> failures = new ArrayList<>();
                int compared = 0;
                for (int i = 0; i < CASES; i++) {
                    for (CheckResult r : family.run(new Pair(dev, ref), SEED, i)) {
                        compared++;
                        if (!r.ok()) {
                            failures.add("case " + i + ": " + r.row() + "\n    " + r.mismatches());
                        }
                    }
                }
                assertTrue(compared >= CASES, "each case compares at least one output");
                assertTrue(failures.isEmpty(), family.name() + " disagrees with the reference:\n" + String.join("\n", failures));
                assertEquals(liveBefore, dev.liveBuffers(), "device buffers leaked by " + family.name());
                assertEquals(0, ref.liveBuffers(), "reference buffers leaked by " + family.name());
            }));
        }
        return tests;
    }
}
