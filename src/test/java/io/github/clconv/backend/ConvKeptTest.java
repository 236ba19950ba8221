package io.github.clconv.backend;

import io.github.clconv.opencl.ClBackend;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A training convolution keeps its forward im2col (or direct's padded x, or Winograd's
 * transform of x) for backward. The kept path runs the
 * same kernels on the same numbers as the path that recomputes it (whose agreement with
 * the reference DeviceAgreementTest proves), so the outputs must be identical bit for bit.
 */
class ConvKeptTest {
    static final long SEED = 23L;

    /**
     * im2col forced: with the tuner free, a plain forward pass takes the inference choice (ConvRouter.forwardOf)
     * and a keeping one the training choice, two algorithms whenever the measurements part them (and with them
     * roundings); which they are changes with every kernel edit, as the tuning cache is per kernel source.
     */
    @Test
    void keptAndRecomputedIm2colGiveIdenticalResults() {
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("im2col")) {
            int live = b.liveBuffers();
            Random rnd = new Random(SEED);
            System.out.println("conv kept im2col: seed " + SEED);
            int checked = 0;
            while (checked < 20) {
                int r = 1 + rnd.nextInt(5), stride = 1 + rnd.nextInt(3), pad = rnd.nextInt(3);
                int h = r + rnd.nextInt(9), w = r + rnd.nextInt(9);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(4), 1 + rnd.nextInt(6), h, w, 1 + rnd.nextInt(7), r, r, stride, pad);
                Shape keep = b.convKept(g);
                if (keep == null) {
                    continue; // 1x1 stride-1 convolutions have a path without im2col
                }
                assertEquals("im2col", b.convAlgoFor(g), g.toString());
                boolean needDx = checked % 4 != 0;
                try (Buf x = random(b, g.input(), rnd); Buf wt = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                     Buf dy = random(b, g.output(), rnd); Buf kept = b.zeros(keep)) {
                    float[][] plain = run(b, g, x, wt, bias, dy, null, needDx), withKept = run(b, g, x, wt, bias, dy, kept, needDx);
                    for (int i = 0; i < plain.length; i++) {
                        assertArrayEquals(plain[i], withKept[i], "output " + i + " (y, dW, db, dx) of " + g);
                    }
                }
                checked++;
            }
            assertEquals(live, b.liveBuffers(), "every buffer released");
        }
    }

    /**
     * Direct convolution keeps its forward's zero-guarded copy of x instead for direct_dw: the same identity,
     * on stride-1 "same" 7x7 shapes (3x3 and 5x5 keep nothing where direct_dw_lanes reads x itself).
     */
    @Test
    void keptAndRecomputedPaddedInputGiveIdenticalResults() {
        for (String algo : new String[]{"direct", "direct2"}) { // direct2's guards are a vector longer
            keptMatchesRecomputed(algo, SEED + 1, rnd -> {
                int r = 7;
                return new ConvGeom(1 + rnd.nextInt(4), 1 + rnd.nextInt(6), 1 + rnd.nextInt(12), 1 + rnd.nextInt(12), 1 + rnd.nextInt(11),
                        r, r, 1, (r - 1) / 2);
            });
        }
    }

    /** Winograd keeps its forward's transform of x (B^T d B) for the weight gradient: 3x3 stride 1, pads 0-2, rows wide enough for its vectors of tiles or not. */
    @Test
    void keptAndRecomputedWinogradTransformsGiveIdenticalResults() {
        for (String algo : new String[]{"winograd2", "winograd4"}) {
            keptMatchesRecomputed(algo, SEED + 2, rnd -> new ConvGeom(1 + rnd.nextInt(3), 1 + rnd.nextInt(6), 2 + rnd.nextInt(12),
                    2 + rnd.nextInt(24), 1 + rnd.nextInt(9), 3, 3, 1, rnd.nextInt(3)));
        }
    }

    private static void keptMatchesRecomputed(String algo, long seed, java.util.function.Function<Random, ConvGeom> shapes) {
        Boolean element = algo.equals("direct2") ? Boolean.FALSE : null; // direct2 applies where work-items run one by one
        try (io.github.clconv.opencl.ClBackend b = io.github.clconv.opencl.ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, element)
                .convAlgo(algo)) {
            Random rnd = new Random(seed);
            System.out.println("conv kept (" + algo + "): seed " + seed);
            for (int checked = 0; checked < 12; checked++) {
                ConvGeom g = shapes.apply(rnd);
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                Shape keep = b.convKept(g);
                assertNotNull(keep, algo + " keeps what its forward pass computed from x: " + g);
                boolean needDx = checked % 4 != 0;
                try (Buf x = random(b, g.input(), rnd); Buf wt = random(b, g.weight(), rnd); Buf bias = random(b, Shape.of(g.k()), rnd);
                     Buf dy = random(b, g.output(), rnd); Buf kept = b.zeros(keep)) {
                    float[][] plain = run(b, g, x, wt, bias, dy, null, needDx), withKept = run(b, g, x, wt, bias, dy, kept, needDx);
                    for (int i = 0; i < plain.length; i++) {
                        assertArrayEquals(plain[i], withKept[i], algo + ": output " + i + " (y, dW, db, dx) of " + g);
                    }
                }
            }
        }
    }

    @Test
    void theReferenceKeepsNothingAndBigBatchesAreNotKept() {
        assertNull(new ReferenceBackend().convKept(new ConvGeom(2, 3, 8, 8, 4, 3, 3, 1, 1)));
        // im2col forced: the tuner may give lenet's second layer to lanes, whose weight gradient reads x and keeps nothing
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("im2col")) {
            assertNotNull(b.convKept(new ConvGeom(64, 20, 12, 12, 50, 5, 5, 1, 0)), "lenet's second layer fits one chunk");
            assertNull(b.convKept(new ConvGeom(64, 1, 8, 8, 4, 1, 1, 1, 0)), "1x1 stride 1 needs no im2col");
            assertNull(b.convKept(new ConvGeom(256, 256, 64, 64, 8, 3, 3, 2, 1)), "an im2col beyond the column budget is chunked, not kept");
        }
    }

    private static float[][] run(Backend b, ConvGeom g, Buf x, Buf w, Buf bias, Buf dy, Buf kept, boolean needDx) {
        try (Buf y = b.zeros(g.output()); Buf dw = b.zeros(g.weight()); Buf db = b.zeros(Shape.of(g.k()));
             Buf dx = needDx ? b.zeros(g.input()) : null) {
            if (kept == null) {
                b.conv2dForward(x, w, bias, g, y);
                b.conv2dBackward(x, w, dy, g, dx, dw, db);
            } else {
                b.conv2dForwardKeeping(x, w, bias, g, y, kept);
                b.conv2dBackwardKept(x, w, dy, g, dx, dw, db, kept);
            }
            List<float[]> out = new ArrayList<>(List.of(b.download(y), b.download(dw), b.download(db)));
            if (dx != null) {
                out.add(b.download(dx));
            }
            return out.toArray(new float[0][]);
        }
    }

    private static Buf random(Backend b, Shape s, Random rnd) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return b.upload(s, v);
    }
}
