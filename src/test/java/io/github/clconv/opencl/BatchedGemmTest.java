package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ClGemm.runBatch (Winograd's products of a pass in one launch) against a float64 product of each item, for every
 * GEMM kernel, all four transposes, beta 0 and 1, and shapes that are not multiples of any tile: operands and results
 * sit at a stride with gaps between items (or an operand is shared: stride 0), and the gaps must come out untouched.
 */
class BatchedGemmTest {
    private static final long SEED = 20261205L;

    @ParameterizedTest
    @ValueSource(strings = {"blocked TM=8 VW=16 WG=1", "blocked TM=6 VW=16 WG=0", "packed TM=6 VW=16 VN=2", "packed TM=5 VW=4 VN=3",
            "nt TR=4 TC=4 VK=8 WG=1",
            "tiled TSM=16 TSN=16 TSK=8 WM=2 WN=2 LOCAL=1", "tiled TSM=16 TSN=32 TSK=8 WM=4 WN=4 LOCAL=0", "clblast"})
    void everyItemOfABatchIsItsOwnProduct(String spec) {
        System.out.println("BatchedGemmTest seed " + SEED + ", " + spec);
        GemmVariant v = GemmVariant.parse(spec);
        ClContext cl = TestDevices.cl().context();
        Random rnd = new Random(SEED);
        try (Scratch scratch = new Scratch(cl)) {
            boolean nt = v.kind() == GemmVariant.Kind.NT; // A * B^T only: the other classes keep the blocked kernel
            GemmPlan plan = nt ? GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "test").with("nt.small", v).with("nt.large", v).with("nt.long", v)
                    : GemmPlan.uniform(v, "test");
            ClGemm gemm = new ClGemm(cl, plan, scratch);
            int checked = 0;
            for (int c = 0; c < 8; c++) {
                boolean ta = v.kind() != GemmVariant.Kind.NT && rnd.nextBoolean(), tb = v.kind() == GemmVariant.Kind.NT || rnd.nextBoolean();
                int m = 1 + rnd.nextInt(40), n = 1 + rnd.nextInt(70), k = 1 + rnd.nextInt(50), count = 2 + rnd.nextInt(6);
                float beta = rnd.nextBoolean() ? 0f : 1f;
                checked += check(cl, gemm, rnd, ta, tb, m, n, k, count, beta, c % 4, spec);
            }
            assertTrue(checked >= 8, "every case compared its items");
        }
    }

    private static int check(ClContext cl, ClGemm gemm, Random rnd, boolean ta, boolean tb, int m, int n, int k, int count, float beta,
                             int shared, String spec) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3), ldc = n + rnd.nextInt(3);
        // a stride of 0 shares that operand among the items (a 1x1 convolution's weights)
        int sa = shared == 1 ? 0 : aRows * lda + rnd.nextInt(5), sb = shared == 2 ? 0 : bRows * ldb + rnd.nextInt(5);
        int sc = m * ldc + 1 + rnd.nextInt(5);
        int offA = rnd.nextInt(4), offB = rnd.nextInt(4), offC = rnd.nextInt(4);
        float[] a = random(offA + (count - 1) * sa + aRows * lda, rnd), b = random(offB + (count - 1) * sb + bRows * ldb, rnd), c = random(offC + count * sc, rnd);
        try (ClBuffer da = cl.alloc(Shape.of(a.length)); ClBuffer db = cl.alloc(Shape.of(b.length)); ClBuffer dc = cl.alloc(Shape.of(c.length))) {
            cl.write(da, a);
            cl.write(db, b);
            cl.write(dc, c);
            gemm.runBatch(count, ta, tb, m, n, k, 1f, da, offA, lda, sa, db, offB, ldb, sb, beta, dc, offC, ldc, sc);
            float[] got = cl.read(dc);
            boolean[] written = new boolean[c.length];
            for (int z = 0; z < count; z++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0, mag = 0;
                        for (int p = 0; p < k; p++) {
                            double x = a[offA + z * sa + (ta ? p * lda + i : i * lda + p)], y = b[offB + z * sb + (tb ? j * ldb + p : p * ldb + j)];
                            s += x * y;
                            mag += Math.abs(x * y);
                        }
                        int e = offC + z * sc + i * ldc + j;
                        double want = s + beta * c[e];
                        double tol = 1e-5 * (mag + Math.abs(c[e])) + 1e-6;
                        assertTrue(Math.abs(got[e] - want) <= tol, String.format("%s: %s%s m=%d n=%d k=%d count=%d beta=%s, item %d, C(%d,%d) = %s, want %s",
                                spec, ta ? "T" : "N", tb ? "T" : "N", m, n, k, count, beta, z, i, j, got[e], want) + (shared == 1 ? ", A shared" : shared == 2 ? ", B shared" : ""));
                        written[e] = true;
                    }
                }
            }
            for (int e = 0; e < c.length; e++) {
                assertTrue(written[e] || got[e] == c[e], spec + ": the gap at " + e + " between items was overwritten");
            }
        }
        return 1;
    }

    /** ClGemm.runSum (a 1x1 convolution's weight gradient over a batch): alpha * the sum of the items' products + beta * C. */
    @ParameterizedTest
    @ValueSource(strings = {"blocked TM=6 VW=16 VN=2 WG=1", "packed TM=6 VW=16 VN=2", "packed TM=5 VW=4 VN=3", "nt TR=4 TC=4 VK=8 WG=1",
            "tiled TSM=16 TSN=16 TSK=8 WM=2 WN=2 LOCAL=1", "clblast"})
    void aSumOfProductsIsTheirSum(String spec) {
        System.out.println("BatchedGemmTest.aSumOfProductsIsTheirSum seed " + SEED + ", " + spec);
        GemmVariant v = GemmVariant.parse(spec);
        ClContext cl = TestDevices.cl().context();
        Random rnd = new Random(SEED + 1);
        try (Scratch scratch = new Scratch(cl)) {
            boolean nt = v.kind() == GemmVariant.Kind.NT;
            GemmPlan plan = nt ? GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "test").with("nt.small", v).with("nt.large", v).with("nt.long", v)
                    : GemmPlan.uniform(v, "test");
            ClGemm gemm = new ClGemm(cl, plan, scratch);
            for (int t = 0; t < 6; t++) {
                boolean ta = !nt && rnd.nextBoolean(), tb = nt || t % 2 == 0;
                int m = 1 + rnd.nextInt(40), n = 1 + rnd.nextInt(70), k = 1 + rnd.nextInt(60), count = 1 + rnd.nextInt(9);
                float alpha = (float) rnd.nextGaussian(), beta = t % 3 == 0 ? 0f : (float) rnd.nextGaussian();
                int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n, lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3);
                int sa = aRows * lda + rnd.nextInt(4), sb = bRows * ldb + rnd.nextInt(4), ldc = n + rnd.nextInt(3), offC = rnd.nextInt(3);
                float[] a = random(count * sa, rnd), b = random(count * sb, rnd), c = random(offC + m * ldc, rnd);
                try (ClBuffer da = cl.alloc(Shape.of(a.length)); ClBuffer db = cl.alloc(Shape.of(b.length)); ClBuffer dc = cl.alloc(Shape.of(c.length))) {
                    cl.write(da, a);
                    cl.write(db, b);
                    cl.write(dc, c);
                    gemm.runSum(count, ta, tb, m, n, k, alpha, da, 0, lda, sa, db, 0, ldb, sb, beta, dc, offC, ldc);
                    float[] got = cl.read(dc);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0, mag = 0;
                            for (int z = 0; z < count; z++) {
                                for (int p = 0; p < k; p++) {
                                    double x = a[z * sa + (ta ? p * lda + i : i * lda + p)], y = b[z * sb + (tb ? j * ldb + p : p * ldb + j)];
                                    s += x * y;
                                    mag += Math.abs(x * y);
                                }
                            }
                            int e = offC + i * ldc + j;
                            double want = alpha * s + beta * c[e], tol = 1e-5 * (Math.abs(alpha) * mag + Math.abs(beta * c[e])) + 1e-6;
                            assertTrue(Math.abs(got[e] - want) <= tol, String.format("%s: %s%s m=%d n=%d k=%d count=%d, C(%d,%d) = %s, want %s",
                                    spec, ta ? "T" : "N", tb ? "T" : "N", m, n, k, count, i, j, got[e], want));
                        }
                    }
                }
            }
        }
    }

    private static float[] random(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
