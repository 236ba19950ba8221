package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A linear layer's bias and fused activation added as gemm_nt stores (its EPI build): y = act(x W^T
 * + b) against the reference on random shapes, no add_bias_rows launched where the plan runs the
 * product on gemm_nt unsplit; a long K over few outputs (split into slices, summed apart) adds the
 * bias in add_bias_rows and agrees too.
 */
class LinearEpilogueTest {
    private static final long SEED = 20261208L;

    @Test
    void theBiasAndActivationAreAddedAsTheProductStores() {
        System.out.println("LinearEpilogueTest seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false)) {
            for (int i = 0; i < 14; i++) {
                int n = 1 + rnd.nextInt(i % 2 == 0 ? 3 : 70), in = 1 + rnd.nextInt(i == 13 ? 3000 : 300) + (i == 13 ? 2048 : 0);
                int out = i == 13 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(300);
                Activation act = new Activation[]{null, Activation.RELU, Activation.RELU6}[i % 3];
                int adds = b.context().launches("add_bias_rows");
                boolean epilogue = b.gemmPlan().variant(false, true, n, out, in).kind() == GemmVariant.Kind.NT && (i != 13);
                try (Buf x = ConvReference.random(b, Shape.of(n, in), rnd); Buf w = ConvReference.random(b, Shape.of(out, in), rnd);
                     Buf bias = ConvReference.random(b, Shape.of(out), rnd); Buf y = b.zeros(Shape.of(n, out))) {
                    b.linearForward(x, w, bias, act, y);
                    String what = "x [" + n + "," + in + "], w [" + out + "," + in + "]" + (act == null ? "" : " " + act.token);
                    assertEquals(adds + (epilogue ? 0 : 1), b.context().launches("add_bias_rows"), what + ": add_bias_rows launches");
                    try (Buf rx = ref.upload(x.shape(), b.download(x)); Buf rw = ref.upload(w.shape(), b.download(w));
                         Buf rb = ref.upload(bias.shape(), b.download(bias)); Buf ry = ref.zeros(y.shape())) {
                        ref.linearForward(rx, rw, rb, act, ry);
                        assertNull(ConvReference.differs(b.download(y), ref.download(ry), what));
                    }
                }
            }
        }
    }
}
