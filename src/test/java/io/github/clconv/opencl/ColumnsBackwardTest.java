package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backward passes built on im2col's matrix against the reference on random shapes: im2col's
 * own, whose im2col and col2im take a plane per work-item where planes are many and rows short (built
 * with each layer's sizes) and a row per work-item elsewhere (strides 1 and 2, padding 0 to 2, both
 * sides of the choice), and the lanes
 * algorithm's (unpadded stride-1 layers, 2x2 to 5x5: im2col's input gradient, the weight and bias
 * gradients by direct_dw_lanes on x itself, filter counts on both sides of multiples of 16), valid's input
 * gradient in one pass (direct_dx_blocks), and
 * direct's on planes narrower and wider than its edge columns.
 */
class ColumnsBackwardTest {
    private static final long SEED = 20261206L;

    @Test
    void im2colBackwardAgreesWithTheReference() {
        System.out.println("ColumnsBackwardTest im2col seed " + SEED);
        Random rnd = new Random(SEED);
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("im2col")) {
            for (int i = 0; i < 24; i++) {
                int r = 1 + rnd.nextInt(5), stride = 1 + rnd.nextInt(2), pad = rnd.nextInt(Math.min(3, r));
                boolean many = i % 2 == 0; // planes enough for a plane per work-item, and rows short of 32 values
                int n = many ? 6 + rnd.nextInt(6) : 1 + rnd.nextInt(2), c = many ? 3 + rnd.nextInt(6) : 1 + rnd.nextInt(4);
                int h = r + rnd.nextInt(many ? 20 : 40), w = r + rnd.nextInt(many ? 20 : 70);
                ConvGeom g = new ConvGeom(n, c, h, w, 1 + rnd.nextInt(13), r, r, stride, pad);
                if (r == 1 && stride == 1 && pad == 0) {
                    continue; // 1x1 stride-1 layers are one GEMM, not im2col
                }
                compare(b, g, rnd, failures);
            }
        }
        assertTrue(failures.isEmpty(), "im2col's backward disagrees with the reference:\n" + String.join("\n", failures));
    }

    /** lanes (im2col's forward and input gradient) and valid (direct_conv_lanes' forward, direct_dx_blocks' input gradient). */
    @ParameterizedTest
    @ValueSource(strings = {"lanes", "valid"})
    void lanesBackwardAgreesWithTheReference(String algo) {
        System.out.println("ColumnsBackwardTest " + algo + " seed " + (SEED + 1));
        Random rnd = new Random(SEED + 1);
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 16; i++) {
                int r = 2 + rnd.nextInt(4), k = i % 4 == 0 ? 16 * (1 + rnd.nextInt(2)) + rnd.nextInt(3) - 1 : 1 + rnd.nextInt(40);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(5), 1 + rnd.nextInt(7), r + rnd.nextInt(14), r + rnd.nextInt(20), k, r, r, 1, 0);
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                compare(b, g, rnd, failures);
            }
        }
        assertTrue(failures.isEmpty(), algo + " disagrees with the reference:\n" + String.join("\n", failures));
    }

    /**
     * valid's input gradient by direct_dx_blocks (w^T * dy and col2im in one pass): blocks of 4 rows (c, r, s)
     * ending inside and past a channel group, tiles of 64 pixels whole, cut short and several per plane, output
     * rows shorter and longer than its 8-wide adds (and rows of 8, 16 and 24, whose adds come from the registers),
     * channels split among work-items at small batches and not at
     * large, up to 70 filters; a plane too large for local memory takes im2col's input gradient instead. Launch
     * counts say which ran.
     */
    @Test
    void validInputGradientInOnePass() {
        System.out.println("ColumnsBackwardTest valid input gradient seed " + (SEED + 4));
        Random rnd = new Random(SEED + 4);
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("valid")) {
            for (int i = 0; i < 18; i++) {
                int r = 2 + i % 4, n = i % 3 == 0 ? 9 + rnd.nextInt(8) : 1 + rnd.nextInt(3);
                int oh = 1 + rnd.nextInt(i % 2 == 0 ? 6 : 17), ow = i % 3 == 1 ? 8 * (1 + rnd.nextInt(3)) : 1 + rnd.nextInt(i % 2 == 0 ? 7 : 21);
                ConvGeom g = new ConvGeom(n, 1 + rnd.nextInt(11), oh + r - 1, ow + r - 1, 1 + rnd.nextInt(70), r, r, 1, 0);
                int before = b.context().launches("direct_dx_blocks");
                compare(b, g, rnd, failures);
                assertEquals(before + 1, b.context().launches("direct_dx_blocks"), g + ": direct_dx_blocks launches");
            }
            long local = b.context().device().localMemBytes();
            int side = (int) Math.sqrt(local / Float.BYTES) + 8; // one dx plane alone past the local memory
            ConvGeom big = new ConvGeom(1, 1, side, side, 1, 3, 3, 1, 0);
            int before = b.context().launches("direct_dx_blocks");
            compare(b, big, rnd, failures);
            assertEquals(before, b.context().launches("direct_dx_blocks"), big + ": im2col's input gradient, not direct_dx_blocks");
        }
        assertTrue(failures.isEmpty(), "valid's input gradient disagrees with the reference:\n" + String.join("\n", failures));
    }

    /**
     * valid's forward (direct_conv_lanes): rows of 1 to 30 outputs (chunks of 8 pixels, the last one
     * short), filter counts around 16 and 32 (one or two groups of 16 per work-item, the last padded
     * with zeros), with and without bias, ReLU and ReLU6.
     */
    @Test
    void validForwardWithEpiloguesAgreesWithTheReference() {
        System.out.println("ColumnsBackwardTest valid forward seed " + (SEED + 3));
        Random rnd = new Random(SEED + 3);
        ReferenceBackend ref = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("valid")) {
            for (int i = 0; i < 20; i++) {
                int r = 2 + rnd.nextInt(4), k = i % 3 == 0 ? 16 * (1 + rnd.nextInt(3)) + rnd.nextInt(3) - 1 : 1 + rnd.nextInt(60);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(4), 1 + rnd.nextInt(6), r + rnd.nextInt(10), r - 1 + (i < 10 ? 1 + i : 1 + rnd.nextInt(30)), k, r, r, 1, 0);
                assertEquals("valid", b.convAlgoFor(g), g.toString());
                Activation act = new Activation[]{null, Activation.RELU, Activation.RELU6}[i % 3];
                boolean withBias = i % 4 != 1;
                try (Buf x = ConvReference.random(b, g.input(), rnd); Buf w = ConvReference.random(b, g.weight(), rnd);
                     Buf bias = withBias ? ConvReference.random(b, Shape.of(g.k()), rnd) : null; Buf y = b.zeros(g.output())) {
                    b.conv2dForward(x, w, bias, g, act, y);
                    String bad = ConvReference.disagreement(b, ref, g, act, x, w, bias, y);
                    if (bad != null) {
                        failures.add(g + ": " + bad);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), "valid's forward disagrees with the reference:\n" + String.join("\n", failures));
    }

    /**
     * Direct convolution's weight gradient (direct_dw_lanes on x itself where vectors are 16 wide): planes
     * narrower than both edges (every tap tested per pixel) and wider (the edge columns' taps left out when
     * the program is built), tap rows above and below the plane, filter counts around multiples of 16.
     */
    @Test
    void directWeightGradientOnNarrowAndWidePlanes() {
        System.out.println("ColumnsBackwardTest direct seed " + (SEED + 2));
        Random rnd = new Random(SEED + 2);
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("direct")) {
            for (int i = 0; i < 16; i++) {
                int r = i % 2 == 0 ? 3 : 5, narrow = r - 1; // below 2 * padding columns
                int w = i % 4 < 2 ? 1 + rnd.nextInt(narrow) : narrow + rnd.nextInt(14);
                int k = i % 3 == 0 ? 16 * (1 + rnd.nextInt(2)) + rnd.nextInt(3) - 1 : 1 + rnd.nextInt(30);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(4), 1 + rnd.nextInt(6), 1 + rnd.nextInt(12), w, k, r, r, 1, (r - 1) / 2);
                assertEquals("direct", b.convAlgoFor(g), g.toString());
                compare(b, g, rnd, failures);
            }
        }
        assertTrue(failures.isEmpty(), "direct's backward disagrees with the reference:\n" + String.join("\n", failures));
    }

    /** Forward, dx, dw and db of g on b against the reference, from one forward keeping what its backward reads. */
    static void compare(ClBackend b, ConvGeom g, Random rnd, List<String> failures) {
        ReferenceBackend ref = new ReferenceBackend();
        Shape keep = b.convKept(g);
        try (Buf x = ConvReference.random(b, g.input(), rnd); Buf w = ConvReference.random(b, g.weight(), rnd);
             Buf bias = ConvReference.random(b, Shape.of(g.k()), rnd); Buf dy = ConvReference.random(b, g.output(), rnd);
             Buf y = b.zeros(g.output()); Buf dx = b.zeros(g.input()); Buf dw = b.zeros(g.weight()); Buf db = b.zeros(Shape.of(g.k()));
             Buf kept = keep != null ? b.zeros(keep) : null;
             Buf rx = ref.upload(g.input(), b.download(x)); Buf rw = ref.upload(g.weight(), b.download(w));
             Buf rdy = ref.upload(g.output(), b.download(dy)); Buf rdx = ref.zeros(g.input()); Buf rdw = ref.zeros(g.weight());
             Buf rdb = ref.zeros(Shape.of(g.k()))) {
            if (kept != null) {
                b.conv2dForwardKeeping(x, w, bias, g, y, kept);
                b.conv2dBackwardKept(x, w, dy, g, dx, dw, db, kept);
            } else {
                b.conv2dForward(x, w, bias, g, y);
                b.conv2dBackward(x, w, dy, g, dx, dw, db);
            }
            String bad = ConvReference.disagreement(b, ref, g, null, x, w, bias, y);
            ref.conv2dBackward(rx, rw, rdy, g, rdx, rdw, rdb);
            for (String d : new String[]{bad, ConvReference.differs(b.download(dx), ref.download(rdx), "dx"),
                    ConvReference.differs(b.download(dw), ref.download(rdw), "dw"), ConvReference.differs(b.download(db), ref.download(rdb), "db")}) {
                if (d != null) {
                    failures.add(g + ": " + d);
                }
            }
        }
    }
}
