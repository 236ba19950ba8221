package io.github.clconv.bench;

import io.github.clconv.tuning.Timer;

import io.github.clconv.backend.Buf;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.ClBlastGemm;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/** SGEMM GFLOP/s of clconv and of CLBlast on the same device, buffers and queue. */
public final class GemmBench {
    /** One GEMM shape; name says where it comes from. */
    public record Case(String name, int m, int n, int k, boolean ta, boolean tb) {
        public static Case square(int n) {
            return new Case("square", n, n, n, false, false);
        }

        public double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** The GEMMs of one lenet training step at batch 64 (forward and backward of both convs and the first linear). */
    public static final Case[] LENET = {
            new Case("conv1 fwd", 20, 64 * 576, 25, false, false),
            new Case("conv1 dW", 20, 25, 64 * 576, false, true),
            new Case("conv2 fwd", 50, 64 * 64, 500, false, false),
            new Case("conv2 dW", 50, 500, 64 * 64, false, true),
            new Case("conv2 dX", 500, 64 * 64, 50, true, false),
            new Case("fc1 fwd", 64, 500, 800, false, true),
            new Case("fc1 dX", 64, 800, 500, false, false),
            new Case("fc1 dW", 500, 800, 64, true, false)};

    public record Result(Case c, double clconvGflops, double clblastGflops) {
        public double ratio() {
            return clconvGflops / clblastGflops;
        }
    }

    private GemmBench() {
    }

    public static Result run(ClBackend b, ClBlastGemm blast, Case c, int runs) {
        Random rnd = new Random(1);
        try (Buf a = b.upload(c.ta() ? Shape.of(c.k(), c.m()) : Shape.of(c.m(), c.k()), random(c.m() * c.k(), rnd));
             Buf bm = b.upload(c.tb() ? Shape.of(c.n(), c.k()) : Shape.of(c.k(), c.n()), random(c.k() * c.n(), rnd));
             Buf out = b.zeros(Shape.of(c.m(), c.n()))) {
            int reps = (int) Math.max(1, Math.min(50, 2e9 / c.flops())); // about 0.05 s per run at 40 GFLOP/s
            double ours = Timer.median(b::finish, 2, runs, reps, () -> b.gemm(c.ta(), c.tb(), 1f, a, bm, 0f, out));
            double theirs = blast == null ? Double.NaN
                    : Timer.median(b::finish, 2, runs, reps, () -> blast.run(c.ta(), c.tb(), c.m(), c.n(), c.k(), 1f, a, bm, 0f, out));
            return new Result(c, c.flops() / ours / 1e9, c.flops() / theirs / 1e9);
        }
    }

    static float[] random(int n, Random rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() - 0.5f;
        }
        return v;
    }
}
