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
 * io.github.clconv.backend.Tolerance with its reason; a failure prints the first mismatches.
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
     * The convolution family again with Winograd F(2x2, 3x3) and F(4x4, 3x3) forced wherever
     * they apply (3x3, stride 1, padding up to 2, no groups: the fixed cases 4, 6, 12-15, 17, 18
     * and 20-22, the last three wide enough for winograd.cl's vectors of tiles, and random
     * ones), in both data-movement layouts, so that they are checked against the reference
     * whatever the tuner picks on this device.
     */
    @TestFactory
    List<DynamicTest> winogradConvolutionAgreesWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String algo : new String[]{"winograd2", "winograd4"}) {
            for (boolean element : new boolean[]{false, true}) {
                String name = "conv2d, " + algo + " forced, " + (element ? "element" : "row") + " movement, x" + CASES + " (seed " + SEED + ")";
                tests.add(DynamicTest.dynamicTest(name, () -> forcedCases(algo, element, CASES, 11, "the eleven fixed 3x3 stride-1 cases")));
            }
        }
        return tests;
    }

    /**
     * Depthwise convolution forced (the fixed cases 9 and 23 to 29, groups = C = K), with and
     * without bias, any stride and padding, in both layouts: an output per work-item, and the
     * row kernels (rows wider than their vectors of 16 in cases 26 to 29, strides 1 and 2).
     */
    @TestFactory
    List<DynamicTest> depthwiseConvolutionAgreesWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean element : new boolean[]{false, true}) {
            String name = "conv2d, depthwise forced, " + (element ? "element" : "row") + " movement, x" + 2 * CASES + " (seed " + SEED + ")";
            tests.add(DynamicTest.dynamicTest(name, () -> forcedCases("depthwise", element, 2 * CASES, 8, "the eight fixed depthwise cases")));
        }
        return tests;
    }

    /**
     * The convolution family again with direct convolution forced wherever it applies (odd
     * square filters, stride 1, "same" padding, no groups: the fixed cases 1, 6, 13, 15-20 and
     * random ones), so that it is checked against the reference whatever the tuner picks on this device.
     */
    @TestFactory
    List<DynamicTest> directConvolutionAgreesWithTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean element : new boolean[]{false, true}) { // a vector of pixels per work-item, and one pixel
            String name = "conv2d, direct forced, " + (element ? "element" : "row") + " movement, x" + 2 * CASES + " (seed " + SEED + ")";
            tests.add(DynamicTest.dynamicTest(name,
                    () -> forcedCases("direct", element, 2 * CASES, 11, "the eight fixed stride-1 'same' cases and some random ones")));
        }
        // two vectors of pixels per step: where work-items run one by one only
        // and both with 8-wide vectors (blocks sized for sixteen 8-float registers)
        for (String algo : new String[]{"direct2", "direct-narrow", "direct2-narrow"}) {
            tests.add(DynamicTest.dynamicTest("conv2d, " + algo + " forced, row movement, x" + 2 * CASES + " (seed " + SEED + ")",
                    () -> forcedCases(algo, false, 2 * CASES, 11, "the eight fixed stride-1 'same' cases and some random ones")));
        }
        return tests;
    }

    /** conv2d's first cases against the reference with algo forced (element: the movement layout, null for the device's); at least least cases must have run it. */
    private static void forcedCases(String algo, Boolean element, int cases, int least, String which) {
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        try (ClBackend dev = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, element).convAlgo(algo);
             ReferenceBackend ref = new ReferenceBackend()) {
            List<String> failures = new ArrayList<>();
            int ran = 0;
            for (int i = 0; i < cases; i++) {
                ran += dev.convAlgoFor(io.github.clconv.verify.Shapes.conv(new java.util.Random(SEED * 1_000_003L + i), i)).equals(algo) ? 1 : 0;
                for (CheckResult r : conv.run(new Pair(dev, ref), SEED, i)) {
                    if (!r.ok()) {
                        failures.add("case " + i + ": " + r.row() + "\n    " + r.mismatches());
                    }
                }
            }
            assertTrue(ran >= least, "at least " + which + " ran " + algo + ", got " + ran);
            assertTrue(failures.isEmpty(), algo + " conv2d disagrees with the reference:\n" + String.join("\n", failures));
        }
    }
}
