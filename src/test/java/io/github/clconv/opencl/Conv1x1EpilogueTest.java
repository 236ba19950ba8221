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

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 1x1 convolution's bias, activation and residual add stored by the GEMM kernel itself
 * (gemm.cl's ROWBIAS, ClGemm.runBatchWithRowEpilogue) against the reference's convolution and
 * add, with the blocked and the packed kernel forced: shapes around the kernels' blocks (not
 * multiples of them), one image and many, with and without bias, ReLU, ReLU6 and a residual.
 * The epilogue must have run (no add_bias_channels pass) wherever it applies.
 */
class Conv1x1EpilogueTest {
    private static final long SEED = 20261207L;

    @ParameterizedTest
    @ValueSource(strings = {"blocked TM=8 VW=16 WG=1", "blocked TM=6 VW=16 VN=2 WG=1", "packed TM=6 VW=16 VN=2"})
    void theGemmStoresBiasActivationAndResidual(String variant) {
        Random rnd = new Random(SEED + variant.hashCode());
        System.out.println("Conv1x1EpilogueTest " + variant + " seed " + (SEED + variant.hashCode()));
        ReferenceBackend ref = new ReferenceBackend();
        GemmPlan plan = GemmPlan.uniform(GemmVariant.parse(variant), "test");
        List<String> failures = new ArrayList<>();
        int fusedCases = 0;
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), plan, false)) {
            for (int i = 0; i < 16; i++) {
                ConvGeom g = new ConvGeom(1 + rnd.nextInt(i % 2 == 0 ? 3 : 20), 1 + rnd.nextInt(40), 1 + rnd.nextInt(23), 1 + rnd.nextInt(23),
                        1 + rnd.nextInt(40), 1, 1, 1, 0);
                boolean withBias = i % 4 != 3, residual = i % 3 != 0;
                Activation act = switch (i % 3) {
                    case 0 -> null;
                    case 1 -> Activation.RELU;
                    default -> Activation.RELU6;
                };
                if (!withBias && act == null && !residual) {
                    act = Activation.RELU;
                }
                float[] x = random(rnd, g.input().size()), w = random(rnd, g.weight().size()), bias = random(rnd, g.k()),
                        r = random(rnd, g.output().size());
                float[] want = reference(ref, g, x, w, withBias ? bias : null, residual ? r : null, act);
                int passesBefore = b.context().launches("add_bias_channels") + b.context().launches("add");
                float[] got;
                try (Buf dx = b.upload(g.input(), x); Buf dw = b.upload(g.weight(), w); Buf db = b.upload(Shape.of(g.k()), bias);
                     Buf dr = b.upload(g.output(), r); Buf dy = b.zeros(g.output())) {
                    if (residual) {
                        b.conv2dForwardResidual(dx, dw, withBias ? db : null, g, dr, act, dy);
                    } else {
                        b.conv2dForward(dx, dw, withBias ? db : null, g, act, dy);
                    }
                    got = b.download(dy);
                }
                fusedCases += b.context().launches("add_bias_channels") + b.context().launches("add") == passesBefore ? 1 : 0;
                for (int e = 0; e < want.length; e++) {
                    float tol = 1e-4f * (1 + Math.abs(want[e]));
                    if (!(Math.abs(got[e] - want[e]) <= tol)) {
                        failures.add("case " + i + " " + g + " bias=" + withBias + " act=" + act + " residual=" + residual + ": element " + e
                                + " got " + got[e] + ", want " + want[e]);
                        break;
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        // the plan's only kernel runs every shape here in one launch with K whole but where the batch is too few
        // blocks for the device and K long enough to split; at least the batched half must have been fused
        assertTrue(fusedCases >= 8, variant + ": the epilogue ran in the GEMM for " + fusedCases + " of 16 cases");
    }

    private static float[] reference(ReferenceBackend ref, ConvGeom g, float[] x, float[] w, float[] bias, float[] residual, Activation act) {
        try (Buf rx = ref.upload(g.input(), x); Buf rw = ref.upload(g.weight(), w); Buf rb = bias == null ? null : ref.upload(Shape.of(g.k()), bias);
             Buf ry = ref.zeros(g.output())) {
            if (residual == null) {
                ref.conv2dForward(rx, rw, rb, g, act, ry);
            } else {
                try (Buf rr = ref.upload(g.output(), residual)) {
                    ref.conv2dForward(rx, rw, rb, g, null, ry);
                    ref.add(ry, rr, act, ry);
                }
            }
            float[] out = ref.download(ry);
            if (rb != null) {
                rb.close();
            }
            return out;
        }
    }

    private static float[] random(Random rnd, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
