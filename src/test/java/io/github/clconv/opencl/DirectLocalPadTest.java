package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direct convolution's forward pass pads x inside direct_conv (LOCALPAD: each work-group copies its
 * image behind the zero guards into local memory) where work-groups are single work-items and the
 * copy fits; a training forward that keeps the padded x for backward, and an image too large for the
 * local memory, still run the pad pass (a training step of 3x3 or 5x5 filters with 16-wide vectors
 * does not: direct_dw_lanes reads x itself). Each path must agree with the reference, and the inference
 * path must not launch the pad pass (else the change does nothing). Large batches of planes that
 * leave vectors part-empty stack several images per work-group (STACK): forward with activations and
 * residual adds, and the training step (its forward pads for backward, its input gradient stacks dy).
 * Each test runs direct (a vector of pixels per step), direct2 (two vectors per step) and direct2-narrow (two 8-wide ones).
 */
class DirectLocalPadTest {
    private static final long SEED = 20261207L;

    @ParameterizedTest
    @ValueSource(strings = {"direct", "direct2", "direct2-narrow"})
    void inferencePadsInsideTheKernelAndAgreesWithTheReference(String algo) {
        System.out.println("DirectLocalPadTest " + algo + " seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 14; i++) {
                int r = 3 + 2 * rnd.nextInt(3);
                // plane sizes around the 16-pixel vectors (never a multiple of them only), 1-3 images
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(3), 1 + rnd.nextInt(19), 1 + rnd.nextInt(37), 1 + rnd.nextInt(37),
                        1 + rnd.nextInt(21), r, r, 1, (r - 1) / 2);
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                Activation act = i % 3 == 0 ? Activation.RELU : null;
                int pads = pads(b);
                try (Buf x = random(b, g.input(), rnd); Buf w = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                     Buf y = b.zeros(g.output())) {
                    b.conv2dForward(x, w, bias, g, act, y);
                    assertEquals(pads, pads(b), "the forward pass of " + g + " launched the pad pass");
                    agrees(b, ref, g, act, x, w, bias, y, "inference");
                }
            }
        }
    }

    /**
     * Batches large enough that one work-group takes several groups of 16 filters of its image (the
     * image copied once for all of them), filter counts that are no multiple of 16 (the last group
     * shifted back onto filters an earlier group stored) and fewer than 16 (fewer per work-item).
     */
    @ParameterizedTest
    @ValueSource(strings = {"direct", "direct2", "direct2-narrow"})
    void workGroupsTakingSeveralFilterGroupsAgreeWithTheReference(String algo) {
        Random rnd = new Random(SEED + 2);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 6; i++) {
                int r = i % 2 == 0 ? 3 : 5;
                int k = i == 5 ? 1 + rnd.nextInt(15) : 17 + rnd.nextInt(40);
                ConvGeom g = new ConvGeom(16 + rnd.nextInt(9), 1 + rnd.nextInt(6), 2 + rnd.nextInt(12), 2 + rnd.nextInt(12), k, r, r, 1, (r - 1) / 2);
                Activation act = i % 2 == 0 ? Activation.RELU : null;
                try (Buf x = random(b, g.input(), rnd); Buf w = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                     Buf y = b.zeros(g.output())) {
                    b.conv2dForward(x, w, bias, g, act, y);
                    agrees(b, ref, g, act, x, w, bias, y, "several filter groups per work-group");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "direct2", "direct2-narrow"})
    void stackedPlanesAgreeWithTheReference(String algo) {
        System.out.println("DirectLocalPadTest " + algo + " stacked seed " + (SEED + 3));
        Random rnd = new Random(SEED + 3);
        ReferenceBackend ref = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 10; i++) {
                int r = i % 3 == 2 ? 5 : 3, h = 2 + rnd.nextInt(14), w = 2 + rnd.nextInt(14);
                if (h * w % 16 == 0) {
                    w++; // planes that fill whole vectors do not stack
                }
                // 33-70 images: enough that stacks of two or more still leave the work-groups a stack needs
                ConvGeom g = new ConvGeom(33 + rnd.nextInt(38), 1 + rnd.nextInt(12), h, w, 1 + rnd.nextInt(70), r, r, 1, (r - 1) / 2);
                Activation act = i % 2 == 0 ? Activation.RELU : null;
                try (Buf x = random(b, g.input(), rnd); Buf wt = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                     Buf res = random(b, g.output(), rnd); Buf y = b.zeros(g.output())) {
                    b.conv2dForwardResidual(x, wt, bias, g, res, act, y);
                    String bad = ConvResidualTest.disagreement(b, ref, g, act, x, wt, bias, res, y);
                    if (bad != null) {
                        failures.add(g + " with residual: " + bad);
                    }
                }
                ColumnsBackwardTest.compare(b, g, rnd, failures);
            }
        }
        assertTrue(failures.isEmpty(), algo + ": stacked direct convolution disagrees with the reference:\n" + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "direct2", "direct2-narrow"})
    void keepingForBackwardOrOutgrowingLocalMemoryStillPads(String algo) {
        Random rnd = new Random(SEED + 1);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            ConvGeom g = new ConvGeom(2, 3, 13, 21, 5, 7, 7, 1, 3); // direct_dw's filter size on every device
            int pads = pads(b);
            try (Buf x = random(b, g.input(), rnd); Buf w = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                 Buf y = b.zeros(g.output()); Buf kept = b.zeros(b.convKept(g))) {
                b.conv2dForwardKeeping(x, w, bias, g, null, y, kept);
                assertEquals(pads + 1, pads(b), "a training forward keeps x padded for the weight gradient");
                agrees(b, ref, g, null, x, w, bias, y, "training forward");
            }
            ConvGeom three = new ConvGeom(2, 3, 13, 21, 5, 3, 3, 1, 1);
            if (b.convKept(three) == null) { // 16-wide vectors: direct_dw_lanes reads x itself, and the step pads nothing
                pads = pads(b);
                List<String> failures = new ArrayList<>();
                ColumnsBackwardTest.compare(b, three, rnd, failures);
                assertTrue(failures.isEmpty(), String.join("\n", failures));
                assertEquals(pads, pads(b), "a training step whose weight gradient reads x itself pads nothing");
            }
            // two planes whose padded copy is larger than the device's local memory
            int side = (int) Math.ceil(Math.sqrt(b.context().device().localMemBytes() / Float.BYTES / 2.0)) + 3;
            ConvGeom big = new ConvGeom(1, 2, side, side, 2, 3, 3, 1, 1);
            pads = pads(b);
            try (Buf x = random(b, big.input(), rnd); Buf w = random(b, big.weight(), rnd); Buf y = b.zeros(big.output())) {
                b.conv2dForward(x, w, null, big, y);
                assertEquals(pads + 1, pads(b), big + " does not fit the local memory");
                agrees(b, ref, big, null, x, w, null, y, "beyond local memory");
            }
        }
    }

    private static int pads(ClBackend b) {
        return b.context().launches("direct_pad") + b.context().launches("direct_pad_rows");
    }

    private static void agrees(ClBackend b, ReferenceBackend ref, ConvGeom g, Activation act, Buf x, Buf w, Buf bias, Buf y, String what) {
        String bad = ConvReference.disagreement(b, ref, g, act, x, w, bias, y);
        assertNull(bad, what + ": " + bad);
    }

    private static Buf random(ClBackend b, Shape s, Random rnd) {
        return ConvReference.random(b, s, rnd);
    }
}
