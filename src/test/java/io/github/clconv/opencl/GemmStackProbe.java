package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * GemmStackTest's child process (run under a small stack limit): every grouped (WG=0) GEMM
 * candidate on products whose launch grids run to thousands of work-items, a sample of each
 * result checked against a dot product in Java. Prints "ok N" after N products.
 */
public final class GemmStackProbe {
    private GemmStackProbe() {
    }

    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        Random rnd = new Random(seed);
        try (ClBackend base = ClBackend.open("cpu")) {
            Set<GemmVariant> grouped = new LinkedHashSet<>();
            for (String c : GemmPlan.CLASSES) {
                for (GemmVariant v : GemmTuner.candidates(c, base.context().device())) {
                    if ((v.kind() == GemmVariant.Kind.BLOCKED || v.kind() == GemmVariant.Kind.NT) && v.get("WG") == 0) {
                        grouped.add(v);
                    }
                }
            }
            // m x n x k, and whether B is transposed: grids of 64 x 1,152 (nt), 4 x 16,384 (nt.vec) and 86 x 144 (blocked)
            List<int[]> shapes = List.of(new int[]{256, 4608, 36, 1}, new int[]{4, 65536, 16, 1}, new int[]{512, 4608, 36, 0});
            int done = 0;
            for (GemmVariant v : grouped) {
                try (ClBackend b = base.withGemmPlan(GemmPlan.uniform(v, "probe"))) {
                    for (int[] s : shapes) {
                        boolean tb = s[3] == 1;
                        if (v.kind() == GemmVariant.Kind.NT != tb) {
                            continue;
                        }
                        int m = s[0], n = s[1], k = s[2];
                        float[] a = random(rnd, m * k), bb = random(rnd, n * k);
                        try (Buf da = b.upload(Shape.of(m, k), a); Buf db = b.upload(tb ? Shape.of(n, k) : Shape.of(k, n), bb);
                             Buf dc = b.zeros(Shape.of(m, n))) {
                            b.gemm(false, tb, 1f, da, db, 0f, dc);
                            float[] c = b.download(dc);
                            for (int t = 0; t < 64; t++) {
                                int i = rnd.nextInt(m), j = rnd.nextInt(n);
                                double want = 0;
                                for (int p = 0; p < k; p++) {
                                    want += (double) a[i * k + p] * (tb ? bb[j * k + p] : bb[p * n + j]);
                                }
                                if (Math.abs(c[i * n + j] - want) > 1e-4 * (1 + Math.abs(want))) {
                                    throw new AssertionError(v + " " + m + "x" + n + "x" + k + ": C[" + i + "][" + j + "] = " + c[i * n + j] + ", want " + want);
                                }
                            }
                            done++;
                            System.out.println(v + " " + m + "x" + n + "x" + k + " ok");
                        }
                    }
                }
            }
            System.out.println("ok " + done);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        return x;
    }
}
