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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stride-2 direct convolution (strided.cl) against the reference on random shapes: filters
 * 1x1 to 7x7 (even sizes too), padding 0 to 3, rows of up to 8 outputs (two rows per vector) and
 * longer ones (several vectors per row, the last one partial), odd and even sizes, few images
 * (filters shared out among work-groups) and many (a work-group per image), with and without
 * bias and ReLU; and its backward through the same algorithm.
 */
class StridedConvTest {
    private static final long SEED = 20261208L;

    @ParameterizedTest
    @ValueSource(strings = {"strided", "strided-narrow"}) // 8 filters per step, and 4 (sixteen 8-float registers)
    void stridedAgreesWithTheReference(String algo) {
        System.out.println("StridedConvTest " + algo + " seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 40; i++) {
                int r = 1 + rnd.nextInt(7), pad = rnd.nextInt(Math.min(4, r + 1));
                int h = r + rnd.nextInt(i % 2 == 0 ? 16 : 40), w = r + rnd.nextInt(i % 3 == 0 ? 16 : 45);
                int n = i % 4 == 0 ? 8 + rnd.nextInt(3) : 1 + rnd.nextInt(3);
                ConvGeom g = new ConvGeom(n, 1 + rnd.nextInt(9), h, w, 1 + rnd.nextInt(19), r, r, 2, pad);
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                Activation act = i % 3 == 0 ? Activation.RELU : null;
                boolean withBias = i % 2 == 1;
                try (Buf x = random(b, g.input(), rnd); Buf wt = random(b, g.weight(), rnd);
                     Buf bias = withBias ? random(b, Shape.of(g.k()), rnd) : null; Buf y = b.zeros(g.output())) {
                    b.conv2dForward(x, wt, bias, g, act, y);
                    String bad = ConvReference.disagreement(b, ref, g, act, x, wt, bias, y);
                    if (bad != null) {
                        failures.add(bad);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), algo + " disagrees with the reference:\n" + String.join("\n", failures));
    }

    /**
     * Backward on random shapes: the input gradient is strided_dx (widths up to 16 two rows per
     * vector, wider ones in blocks of 32 columns, the last partial; channels not a multiple of its
     * block), the weight gradient direct_dw_lanes with STRIDE=2 for filters up to 5x5 (filters not
     * a multiple of its 16 lanes, channels not of its TC, planes whose edge columns and rows hang
     * over the padding or not, a plane narrower than a filter), im2col's above.
     */
    @ParameterizedTest
    @ValueSource(strings = {"strided", "strided-narrow"}) // strided_dx with 8 input channels per step, and 2
    void stridedBackwardAgreesWithTheReference(String algo) {
        System.out.println("StridedConvTest " + algo + " backward seed " + (SEED + 1));
        Random rnd = new Random(SEED + 1);
        ReferenceBackend ref = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            List<ConvGeom> shapes = new ArrayList<>(List.of(new ConvGeom(3, 5, 13, 17, 7, 3, 3, 2, 1), new ConvGeom(2, 3, 2, 1, 5, 3, 3, 2, 1),
                    new ConvGeom(2, 17, 9, 10, 33, 1, 1, 2, 0)));
            for (int i = 0; i < 30; i++) {
                int r = 1 + rnd.nextInt(i % 3 == 0 ? 7 : 5), pad = rnd.nextInt(Math.min(4, r + 1));
                int h = Math.max(1, r - pad + rnd.nextInt(20)), w = Math.max(1, r - pad + rnd.nextInt(i % 2 == 0 ? 12 : 35));
                shapes.add(new ConvGeom(1 + rnd.nextInt(3), 1 + rnd.nextInt(11), h, w, 1 + rnd.nextInt(40), r, r, 2, pad));
            }
            for (ConvGeom g : shapes) {
                if (g.oh() < 1 || g.ow() < 1) {
                    continue;
                }
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                try (Buf x = random(b, g.input(), rnd); Buf w = random(b, g.weight(), rnd); Buf dy = random(b, g.output(), rnd);
                     Buf dx = b.zeros(g.input()); Buf dw = b.zeros(g.weight()); Buf db = b.zeros(Shape.of(g.k()));
                     Buf rx = ref.upload(g.input(), b.download(x)); Buf rw = ref.upload(g.weight(), b.download(w));
                     Buf rdy = ref.upload(g.output(), b.download(dy)); Buf rdx = ref.zeros(g.input()); Buf rdw = ref.zeros(g.weight());
                     Buf rdb = ref.zeros(Shape.of(g.k()))) {
                    b.conv2dBackward(x, w, dy, g, dx, dw, db);
                    ref.conv2dBackward(rx, rw, rdy, g, rdx, rdw, rdb);
                    for (String bad : new String[]{ConvReference.differs(b.download(dx), ref.download(rdx), "dx"),
                            ConvReference.differs(b.download(dw), ref.download(rdw), "dw"),
                            ConvReference.differs(b.download(db), ref.download(rdb), "db")}) {
                        if (bad != null) {
                            failures.add(g + ": " + bad);
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), algo + " backward disagrees with the reference:\n" + String.join("\n", failures));
    }

    private static Buf random(ClBackend b, Shape s, Random rnd) {
        return ConvReference.random(b, s, rnd);
    }
}
