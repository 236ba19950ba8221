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

    /**
     * The convolution family again with Winograd F(2x2, 3x3) forced wherever it applies (3x3,
     * stride 1, padding up to 2, no groups: the fixed cases 4, 6, 12, 13 and 14 and random
     * ones), so that it is checked against the reference whatever the tuner picks on this device.
     */
    @TestFactory
    List<DynamicTest> winogradConvolutionAgreesWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        tests.add(DynamicTest.dynamicTest("conv2d, winograd2 forced, x" + CASES + " (seed " + SEED + ")", () -> {
            try (ClBackend dev = ClBackend.open(System.getProperty("clconv.test.device", "auto")).convAlgo("winograd2");
                 ReferenceBackend ref = new ReferenceBackend()) {
                List<String> failures = new ArrayList<>();
                int winograd = 0;
                for (int i = 0; i < CASES; i++) {
                    winograd += dev.convAlgoFor(io.github.clconv.verify.Shapes.conv(new java.util.Random(SEED * 1_000_003L + i), i)).equals("winograd2") ? 1 : 0;
                    for (CheckResult r : conv.run(new Pair(dev, ref), SEED, i)) {
                        if (!r.ok()) {
                            failures.add("case " + i + ": " + r.row() + "\n    " + r.mismatches());
                        }
                    }
                }
                assertTrue(winograd >= 5, "at least the five fixed 3x3 stride-1 cases ran Winograd, got " + winograd);
                assertTrue(failures.isEmpty(), "Winograd conv2d disagrees with the reference:\n" + String.join("\n", failures));
            }
        }));
        return tests;
    }

    /**
     * The convolution family again with direct convolution forced wherever it applies (odd
     * square filters, stride 1, "same" padding, no groups: the fixed cases 1, 6, 13 and 15-19 and
     * random ones), so that it is checked against the reference whatever the tuner picks on this device.
     */
    @TestFactory
    List<DynamicTest> directConvolutionAgreesWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean element : new boolean[]{false, true}) { // a vector of pixels per work-item, and one pixel
            String name = "conv2d, direct forced, " + (element ? "element" : "row") + " movement, x" + 2 * CASES + " (seed " + SEED + ")";
            tests.add(DynamicTest.dynamicTest(name, () -> directCases(element)));
        }
        return tests;
    }

    private static void directCases(boolean element) {
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        try (ClBackend dev = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, element).convAlgo("direct");
             ReferenceBackend ref = new ReferenceBackend()) {
            List<String> failures = new ArrayList<>();
            int direct = 0;
            for (int i = 0; i < 2 * CASES; i++) {
                direct += dev.convAlgoFor(io.github.clconv.verify.Shapes.conv(new java.util.Random(SEED * 1_000_003L + i), i)).equals("direct") ? 1 : 0;
                for (CheckResult r : conv.run(new Pair(dev, ref), SEED, i)) {
                    if (!r.ok()) {
                        failures.add("case " + i + ": " + r.row() + "\n    " + r.mismatches());
                    }
                }
            }
            assertTrue(direct >= 12, "the eight fixed stride-1 'same' cases and some random ones ran direct, got " + direct);
            assertTrue(failures.isEmpty(), "direct conv2d disagrees with the reference:\n" + String.join("\n", failures));
        }
    }
}
