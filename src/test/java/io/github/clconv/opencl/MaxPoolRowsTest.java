package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * maxpool2x2_forward (rows of outputs per work-item, where work-items run one by one) against the
 * reference, values and argmax, on batches large enough that a work-item takes several rows: a
 * row shorter than its 16-output vector then stores the whole vector into the work-item's next
 * rows, which store after it; a work-item's last row must not (its next row is another's), nor
 * may any store leave the buffer. Rows of 1 to 20 outputs (one vector spilling over several
 * short rows, part of one, exactly one, more than one), odd input sizes (the last column and row
 * dropped), values with ties (small integers).
 */
class MaxPoolRowsTest {
    private static final long SEED = 20261209L;

    @Test
    void rowsKernelAgreesWithTheReferenceWhereAWorkItemTakesSeveralRows() {
        System.out.println("MaxPoolRowsTest seed " + SEED);
        Random rnd = new Random(SEED);
        ReferenceBackend ref = new ReferenceBackend();
        List<String> failures = new ArrayList<>();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), null, false)) {
            for (int i = 0; i < 30; i++) {
                int ow = i < 20 ? i + 1 : 1 + rnd.nextInt(20), oh = 1 + rnd.nextInt(9);
                int h = 2 * oh + rnd.nextInt(2), w = 2 * ow + rnd.nextInt(2);
                // rows = n * c * oh well above 8 per compute unit: several rows per work-item
                PoolGeom g = new PoolGeom(5 + rnd.nextInt(12), 3 + rnd.nextInt(14), h, w, 2, 2, 0);
                float[] xs = new float[(int) g.input().size()];
                for (int k = 0; k < xs.length; k++) {
                    xs[k] = rnd.nextInt(7) - 3; // ties in most windows: the first largest wins
                }
                float[][] dev = run(b, g, xs), want = run(ref, g, xs);
                for (int part = 0; part < 2; part++) {
                    if (!Arrays.equals(dev[part], want[part])) {
                        failures.add(g + ": " + (part == 0 ? "values" : "argmax") + " differ");
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), "maxpool2x2_forward disagrees with the reference:\n" + String.join("\n", failures));
    }

    private static float[][] run(io.github.clconv.backend.Backend b, PoolGeom g, float[] xs) {
        Shape out = g.output();
        try (Buf x = b.upload(g.input(), xs); Buf y = b.zeros(out); Buf argmax = b.zeros(out)) {
            b.maxPoolForward(x, g, y, argmax);
            return new float[][]{b.download(y), b.download(argmax)};
        }
    }
}
