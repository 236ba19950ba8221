package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 2x2 max pool done as direct convolution stores (Backend.conv2dForwardMaxPool, direct_conv's
 * POOL): maxpool2x2(act(conv(x, w) + bias)) against the reference's convolution, activation and
 * pool, on planes of odd and even sizes (a last row or column the pool leaves out), batches that
 * stack several images per work-group, filter counts that are no multiple of a work-item's; and a
 * chain's inference (lenet-bn folded, a conv-relu-maxpool on odd planes) that launches no pool
 * kernel, against the same model's training forward, which pools apart.
 */
class ConvMaxPoolTest {
    private static final long SEED = 20261207L;

    @ParameterizedTest
    @ValueSource(strings = {"direct", "direct2", "direct2-narrow"})
    void theConvolutionPoolsAsItStoresAndAgreesWithTheReference(String algo) {
        System.out.println("ConvMaxPoolTest " + algo + " seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo(algo)) {
            for (int i = 0; i < 16; i++) {
                int r = 3 + 2 * rnd.nextInt(3);
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(i % 3 == 0 ? 20 : 3), 1 + rnd.nextInt(9), 2 + rnd.nextInt(22), 2 + rnd.nextInt(22),
                        1 + rnd.nextInt(40), r, r, 1, (r - 1) / 2);
                assertEquals(algo, b.convAlgoFor(g), g.toString());
                Activation act = new Activation[]{null, Activation.RELU, Activation.RELU6}[i % 3];
                boolean bias = i % 4 != 1;
                int pools = pools(b);
                try (Buf x = ConvReference.random(b, g.input(), rnd); Buf w = ConvReference.random(b, g.weight(), rnd);
                     Buf bs = bias ? ConvReference.random(b, Shape.of(g.k()), rnd) : null;
                     Buf y = b.zeros(Shape.of(g.n(), g.k(), g.oh() / 2, g.ow() / 2))) {
                    assertTrue(b.conv2dForwardMaxPool(x, w, bs, g, act, y), algo + " did not pool " + g + " as it stores");
                    assertEquals(pools, pools(b), g + ": a pool kernel launched");
                    String bad = disagreement(b, ref, g, act, x, w, bs, y);
                    assertNull(bad, algo + ": " + bad);
                }
            }
        }
    }

    /** An algorithm without the epilogue declines, leaving the output as it was; a wrong output shape is refused. */
    @Test
    void otherAlgorithmsDeclineAndShapesAreChecked() {
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("im2col")) {
            ConvGeom g = new ConvGeom(2, 3, 6, 7, 4, 3, 3, 1, 1);
            try (Buf x = b.zeros(g.input()); Buf w = b.zeros(g.weight()); Buf y = b.zeros(Shape.of(2, 4, 3, 3)); Buf wrong = b.zeros(g.output())) {
                b.fill(y, 5f);
                assertEquals(false, b.conv2dForwardMaxPool(x, w, null, g, null, y));
                for (float v : b.download(y)) {
                    assertEquals(5f, v);
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.conv2dForwardMaxPool(x, w, null, g, null, wrong));
                assertTrue(e.getMessage().contains("conv2d maxpool"), e.getMessage());
            }
        }
    }

    /** lenet-bn folded: both conv-relu-maxpool(2) pairs pool in the convolution; the same numbers as the unfolded model's inference. */
    @Test
    void aFoldedLenetBnLaunchesNoPoolAtInference() {
        Random rnd = new Random(SEED + 1);
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("direct2");
             Model m = ModelSpec.parse("lenet-bn").withClasses(10).build(Shape.of(1, 28, 28), b, SEED)) {
            try (Buf x = ConvReference.random(b, Shape.of(5, 1, 28, 28), rnd)) {
                for (int i = 0; i < 3; i++) {
                    m.forward(x, true); // running statistics away from 0 and 1
                }
                float[] plain = b.download(m.forward(x, false));
                try (Model folded = BatchNormFolding.fold(m)) {
                    int pools = pools(b);
                    float[] fused = b.download(folded.forward(x, false));
                    assertEquals(pools, pools(b), "pool kernels launched by a folded lenet-bn's inference");
                    assertNull(ConvReference.differs(fused, plain, "folded lenet-bn pooling in its convolutions"));
                    folded.forward(x, true); // a training forward pools apart (its backward needs the argmax)
                    assertEquals(pools + 2, pools(b), "pool kernels launched by a training forward");
                }
            }
        }
    }

    /** conv-relu-maxpool on 9x11 planes (the pool drops the last row and column): inference, pooled in the convolution, against the training forward's. */
    @Test
    void oddPlanesPoolAsThePoolLayerDoes() {
        Random rnd = new Random(SEED + 2);
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false).convAlgo("direct");
             Model m = ModelSpec.parse("conv(6,3,p=1)-relu-maxpool(2)-conv(5,5,p=2)-maxpool(2)-flatten-linear(3)").build(Shape.of(2, 9, 11), b, SEED)) {
            try (Buf x = ConvReference.random(b, Shape.of(3, 2, 9, 11), rnd)) {
                float[] trained = b.download(m.forward(x, true));
                int pools = pools(b);
                float[] inferred = b.download(m.forward(x, false));
                assertEquals(pools, pools(b), "pool kernels launched at inference");
                assertNull(ConvReference.differs(inferred, trained, "inference pooling in its convolutions"));
            }
        }
    }

    /** null where y agrees with the reference's maxpool2x2(act(conv(x, w) + bias)), else what differs. */
    private static String disagreement(ClBackend b, ReferenceBackend ref, ConvGeom g, Activation act, Buf x, Buf w, Buf bias, Buf y) {
        PoolGeom p = new PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0);
        try (Buf rx = ref.upload(g.input(), b.download(x)); Buf rw = ref.upload(g.weight(), b.download(w));
             Buf rb = bias == null ? null : ref.upload(bias.shape(), b.download(bias)); Buf ry = ref.zeros(g.output());
             Buf rp = ref.zeros(p.output()); Buf arg = ref.zeros(p.output())) {
            ref.conv2dForward(rx, rw, rb, g, act, ry);
            ref.maxPoolForward(ry, p, rp, arg);
            return ConvReference.differs(b.download(y), ref.download(rp), g + (act == null ? "" : " +" + act.token) + (bias == null ? "" : " +bias"));
        }
    }

    private static int pools(ClBackend b) {
        int n = 0;
        for (String k : new String[]{"maxpool_forward", "maxpool_forward_elem", "maxpool2x2_forward"}) {
            n += b.context().launches(k);
        }
        return n;
    }
}
