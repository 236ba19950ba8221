package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A residual block's add in the convolution's epilogue (Backend.conv2dForwardResidual): y =
 * act(conv(x, w) + bias + residual) against the reference's convolution and add, where direct
 * convolution adds as it stores and where an algorithm without the epilogue adds in a pass of its
 * own; and a folded resnet20's inference, whose adds after stride-1 3x3 convolutions (direct) and
 * after its 1x1 stride-2 shortcuts (strided) launch no add kernel of their own, against the same
 * network unfolded.
 */
class ConvResidualTest {
    private static final long SEED = 20261206L;

    @Test
    void theEpilogueAddsTheResidualBeforeTheActivation() {
        System.out.println("ConvResidualTest seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        for (String algo : new String[]{"direct", "direct2", "direct2-narrow", "im2col"}) {
            try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
                for (int i = 0; i < 12; i++) {
                    int r = 3 + 2 * rnd.nextInt(2);
                    // planes around the 16-pixel vectors, 1-20 images (several filter groups per work-group), filters around 16
                    ConvGeom g = new ConvGeom(1 + rnd.nextInt(i % 3 == 0 ? 20 : 3), 1 + rnd.nextInt(9), 1 + rnd.nextInt(23), 1 + rnd.nextInt(23),
                            1 + rnd.nextInt(40), r, r, 1, (r - 1) / 2);
                    residualCase(b, ref, g, i, i % 4 != 1, algo.startsWith("direct") ? 0 : 1, algo, rnd);
                }
            }
        }
    }

    @Test
    void theResidualMustBeATensorOfTheOutputsShapeOtherThanTheOutput() {
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"))) {
            ConvGeom g = new ConvGeom(1, 2, 5, 5, 3, 3, 3, 1, 1);
            try (Buf x = b.zeros(g.input()); Buf w = b.zeros(g.weight()); Buf y = b.zeros(g.output()); Buf wrong = b.zeros(g.input())) {
                assertThrows(IllegalArgumentException.class, () -> b.conv2dForwardResidual(x, w, null, g, y, null, y));
                assertThrows(IllegalArgumentException.class, () -> b.conv2dForwardResidual(x, w, null, g, wrong, null, y));
            }
        }
    }

    /**
     * The stride-2 direct convolution (strided.cl) adds the residual as it stores too (a projection
     * shortcut's 1x1 stride-2 convolution adds the main branch): filters 1x1 to 7x7, rows of up to
     * 8 outputs (two rows per vector) and longer ones (the last vector partial), with and without
     * bias, ReLU and ReLU6.
     */
    @Test
    void theStridedConvolutionAddsTheResidualAsItStores() {
        Random rnd = new Random(SEED + 3);
        System.out.println("ConvResidualTest strided seed " + (SEED + 3));
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("strided")) {
            for (int i = 0; i < 16; i++) {
                int r = i % 4 == 0 ? 1 : 1 + rnd.nextInt(7), pad = r == 1 ? 0 : rnd.nextInt(Math.min(4, r + 1));
                int h = r + rnd.nextInt(i % 2 == 0 ? 16 : 40), wd = r + rnd.nextInt(i % 3 == 0 ? 16 : 45);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(i % 4 == 1 ? 10 : 3), 1 + rnd.nextInt(9), h, wd, 1 + rnd.nextInt(19), r, r, 2, pad);
                assertEquals("strided", b.convAlgoFor(g), g.toString());
                residualCase(b, ref, g, i, i % 4 != 2, 0, "strided", rnd);
            }
        }
    }

    /** y = conv(x) + x, a block of one convolution: the residual is the convolution's own input (both only read). */
    @Test
    void theResidualMayBeTheInput() {
        Random rnd = new Random(SEED + 2);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("direct")) {
            ConvGeom g = new ConvGeom(2, 5, 9, 13, 5, 3, 3, 1, 1);
            try (Buf x = ConvReference.random(b, g.input(), rnd); Buf w = ConvReference.random(b, g.weight(), rnd); Buf y = b.zeros(g.output())) {
                b.conv2dForwardResidual(x, w, null, g, x, Activation.RELU, y);
                String bad = disagreement(b, ref, g, Activation.RELU, x, w, null, x, y);
                assertNull(bad, bad);
            }
        }
    }

    /** resnet20's seven identity-shortcut adds follow a stride-1 3x3 convolution: with direct convolution forced, only its two projection adds launch. */
    @Test
    void aFoldedResNetAddsInItsConvolutions() {
        Random rnd = new Random(SEED + 1);
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("direct");
             Model m = ModelSpec.parse("resnet20").withClasses(10).build(Shape.of(1, 20, 18), b, SEED)) {
            try (Buf x = ConvReference.random(b, Shape.of(3, 1, 20, 18), rnd)) {
                for (int i = 0; i < 3; i++) {
                    m.forward(x, true); // running statistics away from 0 and 1
                }
                float[] plain = b.download(m.forward(x, false));
                try (Model folded = BatchNormFolding.fold(m)) {
                    int adds = adds(b);
                    float[] fused = b.download(folded.forward(x, false));
                    assertEquals(2, adds(b) - adds, "adds launched by one folded resnet20 inference");
                    assertNull(ConvReference.differs(fused, plain, "folded resnet20 with its adds in the convolutions"));
                    folded.forward(x, true); // a training forward still adds in passes of its own
                    assertEquals(2 + 9, adds(b) - adds, "adds launched by a training forward");
                }
            }
        }
    }

    /**
     * With the stride-2 convolution forced (the stride-1 layers fall back to im2col, which adds in a
     * pass of its own), the two projection shortcuts' 1x1 stride-2 convolutions add the main branch as
     * they store: only the seven identity adds launch.
     */
    @Test
    void aFoldedResNetAddsInItsProjectionShortcuts() {
        Random rnd = new Random(SEED + 4);
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("strided");
             Model m = ModelSpec.parse("resnet20").withClasses(10).build(Shape.of(1, 20, 18), b, SEED)) {
            try (Buf x = ConvReference.random(b, Shape.of(3, 1, 20, 18), rnd)) {
                for (int i = 0; i < 3; i++) {
                    m.forward(x, true);
                }
                float[] plain = b.download(m.forward(x, false));
                try (Model folded = BatchNormFolding.fold(m)) {
                    int adds = adds(b);
                    float[] fused = b.download(folded.forward(x, false));
                    assertEquals(7, adds(b) - adds, "adds launched by one folded resnet20 inference");
                    assertNull(ConvReference.differs(fused, plain, "folded resnet20 with its projection adds in the shortcut convolutions"));
                }
            }
        }
    }

    /**
     * One residual forward on random values (the activation by case number: none, ReLU, ReLU6) against
     * the reference, launching addLaunches add kernels of its own (0 where the epilogue adds).
     */
    private static void residualCase(ClBackend b, ReferenceBackend ref, ConvGeom g, int i, boolean bias, int addLaunches, String algo, Random rnd) {
        Activation act = new Activation[]{null, Activation.RELU, Activation.RELU6}[i % 3];
        int adds = adds(b);
        try (Buf x = ConvReference.random(b, g.input(), rnd); Buf w = ConvReference.random(b, g.weight(), rnd);
             Buf bs = bias ? ConvReference.random(b, Shape.of(g.k()), rnd) : null; Buf res = ConvReference.random(b, g.output(), rnd);
             Buf y = b.zeros(g.output())) {
            b.conv2dForwardResidual(x, w, bs, g, res, act, y);
            assertEquals(adds + addLaunches, adds(b), algo + " on " + g + ": add launches");
            String bad = disagreement(b, ref, g, act, x, w, bs, res, y);
            assertNull(bad, algo + ": " + bad);
        }
    }

    /** null where y agrees with the reference's act(conv(x, w) + bias + res), else what differs. */
    static String disagreement(ClBackend b, ReferenceBackend ref, ConvGeom g, Activation act, Buf x, Buf w, Buf bias, Buf res, Buf y) {
        float[] got = b.download(y);
        try (Buf rx = ref.upload(g.input(), b.download(x)); Buf rw = ref.upload(g.weight(), b.download(w));
             Buf rb = bias == null ? null : ref.upload(bias.shape(), b.download(bias)); Buf rr = ref.upload(g.output(), b.download(res));
             Buf ry = ref.zeros(g.output())) {
            ref.conv2dForward(rx, rw, rb, g, null, ry);
            ref.add(ry, rr, act, ry);
            return ConvReference.differs(got, ref.download(ry), g + (act == null ? "" : " +" + act.token) + (bias == null ? "" : " +bias") + " +residual");
        }
    }

    /** add's launches, by either of its kernels (add_rows where work-items run one after another). */
    private static int adds(ClBackend b) {
        return b.context().launches("add") + b.context().launches("add_rows");
    }
}
