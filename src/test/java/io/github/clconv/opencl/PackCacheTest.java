package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Packed;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PackCache keeps layers' weights packed (gemm_packed) or transformed (Winograd) between forward passes: every way
 * the weights can be written must make the next forward use the new values. Each case writes the weights one way
 * (a host write, an optimiser's kernel, a copy, a fill through a reshaped view, the optimiser on the flat buffer
 * they are a view of), then runs the forward again and compares it with the reference on the weights as read back;
 * and forwards in between with nothing written must reuse the kept copy (else the cache does nothing).
 */
class PackCacheTest {
    private static final long SEED = 20261206L;

    @ParameterizedTest
    @ValueSource(strings = {"im2col", "winograd4", "winograd2", "1x1"})
    void everyWriteOfTheWeightsIsSeenByTheNextForward(String algo) {
        System.out.println("PackCacheTest seed " + SEED + ", " + algo);
        Random rnd = new Random(SEED + algo.hashCode());
        // the small class blocked and nn.kept packed, as the probe chose on PoCL 3.1: a forward right after a write runs
        // the blocked kernel, the next ones the packed kernel on the kept copy
        GemmVariant kept = GemmVariant.parse("packed TM=5 VW=8 VN=2");
        GemmPlan packed = GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "test").with("nn.kept", kept).with("nn.large", kept);
        ReferenceBackend ref = new ReferenceBackend();
        try (ClBackend b = ClBackend.open(System.getProperty("clconv.test.device", "auto"), packed, null)
                .convAlgo(algo.equals("1x1") ? "auto" : algo)) {
            ConvGeom g = algo.equals("1x1") ? new ConvGeom(1 + rnd.nextInt(2), 5 + rnd.nextInt(9), 3 + rnd.nextInt(9), 4 + rnd.nextInt(9),
                    3 + rnd.nextInt(11), 1, 1, 1, 0)
                    : new ConvGeom(1, 3 + rnd.nextInt(9), 5 + rnd.nextInt(12), 6 + rnd.nextInt(12), 5 + rnd.nextInt(13), 3, 3, 1, 1);
            List<Shape> shapes = List.of(Shape.of(7), g.weight());
            try (Packed flat = b.pack(shapes).orElseThrow(); Buf x = b.upload(g.input(), random(g.input().size(), rnd));
                 Buf y = b.zeros(g.output()); Buf grad = b.upload(g.weight(), random(g.weight().size(), rnd));
                 Buf velocity = b.zeros(g.weight()); Buf other = b.upload(g.weight(), random(g.weight().size(), rnd));
                 Buf flatGrad = b.upload(flat.flat().shape(), random(flat.flat().shape().size(), rnd));
                 Buf flatVelocity = b.zeros(flat.flat().shape())) {
                Buf w = flat.parts().get(1); // a sub-buffer: the flat buffer's writes must reach it
                b.write(w, random(g.weight().size(), rnd));
                List<Consumer<Buf>> writes = List.of(
                        wt -> b.write(wt, random(g.weight().size(), rnd)),
                        wt -> b.sgdUpdate(wt, grad, velocity, 0.3f, 0.9f, 0f, false),
                        wt -> b.copy(other, wt),
                        wt -> {
                            try (Buf view = b.reshape(wt, Shape.of(g.weight().size()))) {
                                b.fill(view, 0.25f);
                            }
                        },
                        wt -> b.sgdUpdate(flat.flat(), flatGrad, flatVelocity, 0.5f, 0f, 0f, false));
                int[] before = b.derivedCounts();
                check(b, ref, g, x, w, y, algo + " before any write");
                for (int i = 0; i < writes.size(); i++) {
                    writes.get(i).accept(w);
                    check(b, ref, g, x, w, y, algo + " after write " + i);
                    check(b, ref, g, x, w, y, algo + " again after write " + i);
                    check(b, ref, g, x, w, y, algo + " a third time after write " + i);
                }
                int[] after = b.derivedCounts();
                assertTrue(after[1] - before[1] >= writes.size(), algo + ": forwards with nothing written reuse the kept copy ("
                        + (after[1] - before[1]) + " reuses)");
                assertTrue(after[0] - before[0] >= writes.size(), algo + ": each write made a new copy (" + (after[0] - before[0]) + ")");
            }
        }
    }

    private static void check(ClBackend b, ReferenceBackend ref, ConvGeom g, Buf x, Buf w, Buf y, String what) {
        b.conv2dForward(x, w, null, g, y);
        String bad = ConvReference.disagreement(b, ref, g, null, x, w, null, y);
        assertTrue(bad == null, what + ": " + bad);
    }

    private static float[] random(int n, Random rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Entries of closed buffers go at the next lookup, the least recently used beyond the cap. */
    @org.junit.jupiter.api.Test
    void closedSourcesAndTheLeastRecentlyUsedBeyondTheCapAreDropped() {
        ClContext cl = TestDevices.cl().context();
        try (PackCache cache = new PackCache(cl, 4 * 100)) {
            ClBuffer a = cl.alloc(Shape.of(10), false), c = cl.alloc(Shape.of(10), false);
            int[] made = new int[1];
            Consumer<ClBuffer> make = dst -> made[0]++;
            cache.get(a, "x", 40, make);
            cache.get(c, "x", 40, make);
            cache.get(a, "x", 40, make);
            assertEquals(2, made[0], "the second lookup of a reuses its copy");
            assertEquals(2, cache.entries());
            c.close();
            cache.get(a, "y", 40, make);
            assertEquals(2, cache.entries(), "c's entry went when c was closed");
            cache.get(a, "z", 40, make); // 120 floats > 100: the least recently used (a/x) goes
            assertEquals(2, cache.entries());
            cache.get(a, "x", 40, make);
            assertEquals(5, made[0], "a/x was evicted and made again");
            a.close();
        }
    }
}
