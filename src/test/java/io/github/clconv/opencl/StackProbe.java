package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * StackTest's child process, run under a small stack limit: launches whose grids run to
 * thousands of work-items, of the kernels whose work-items hold private arrays. Every grouped
 * (WG=0) GEMM candidate on large products, then every convolution algorithm forward and
 * backward on layers of 16 x 64 x 56 x 56; a sample of each product and forward output is
 * checked against a sum in Java. Prints each launch set as it starts, "ok N" after N.
 */
public final class StackProbe {
    private StackProbe() {
    }

    public static void main(String[] args) {
        Random rnd = new Random(Long.parseLong(args[0]));
        int done = 0;
        try (ClBackend base = ClBackend.open("cpu")) {
            done += gemms(base, rnd);
            done += convolutions(base, rnd);
        }
        System.out.println("ok " + done);
    }

    private static int gemms(ClBackend base, Random rnd) {
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
                    System.out.println(v + " " + m + "x" + n + "x" + k);
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
                            check(c[i * n + j], want, v + " " + m + "x" + n + "x" + k + ": C[" + i + "][" + j + "]");
                        }
                        done++;
                    }
                }
            }
        }
        return done;
    }

    private static int convolutions(ClBackend base, Random rnd) {
        List<ConvGeom> layers = List.of(new ConvGeom(16, 64, 56, 56, 64, 3, 3, 1, 1), new ConvGeom(16, 64, 56, 56, 64, 3, 3, 2, 1),
                new ConvGeom(16, 64, 56, 56, 128, 1, 1, 2, 0), new ConvGeom(16, 64, 56, 56, 64, 3, 3, 1, 0),
                new ConvGeom(16, 64, 56, 56, 64, 3, 3, 1, 1, 64));
        int done = 0;
        for (String algo : ClBackend.convAlgorithms()) {
            if (algo.equals("auto")) {
                continue;
            }
            base.convAlgo(algo);
            for (ConvGeom g : layers) {
                System.out.println(algo + " " + g);
                float[] x = random(rnd, (int) g.input().size()), w = random(rnd, (int) g.weight().size());
                try (Buf dx = base.upload(g.input(), x); Buf dw = base.upload(g.weight(), w); Buf y = base.zeros(g.output());
                     Buf dy = base.upload(g.output(), random(rnd, (int) g.output().size())); Buf gx = base.zeros(g.input());
                     Buf gw = base.zeros(g.weight())) {
                    base.conv2dForward(dx, dw, null, g, Activation.RELU, y);
                    float[] out = base.download(y);
                    int oh = g.output().dim(2), ow = g.output().dim(3), cg = g.c() / g.groups(), kg = g.k() / g.groups();
                    for (int t = 0; t < 32; t++) {
                        int n = rnd.nextInt(g.n()), o = rnd.nextInt(g.k()), i = rnd.nextInt(oh), j = rnd.nextInt(ow);
                        double sum = 0;
                        for (int c = 0; c < cg; c++) {
                            for (int r = 0; r < g.r(); r++) {
                                for (int s = 0; s < g.s(); s++) {
                                    int yy = i * g.stride() - g.pad() + r, xx = j * g.stride() - g.pad() + s;
                                    if (yy >= 0 && yy < g.h() && xx >= 0 && xx < g.w()) {
                                        int ci = (o / kg) * cg + c;
                                        sum += (double) x[((n * g.c() + ci) * g.h() + yy) * g.w() + xx] * w[((o * cg + c) * g.r() + r) * g.s() + s];
                                    }
                                }
                            }
                        }
                        check(out[((n * g.k() + o) * oh + i) * ow + j], Math.max(0, sum), algo + " " + g + " y[" + n + "][" + o + "][" + i + "][" + j + "]");
                    }
                    base.conv2dBackward(dx, dw, dy, g, gx, gw, null);
                    base.download(gw);
                    done++;
                }
            }
        }
        return done;
    }

    private static void check(double got, double want, String what) {
        if (!(Math.abs(got - want) <= 1e-3 * (1 + Math.abs(want)))) {
            throw new AssertionError(what + " = " + got + ", want " + want);
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
