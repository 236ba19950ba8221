package io.github.clconv.bench;

import io.github.clconv.tuning.Timer;

import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.ClBuffer;
import io.github.clconv.opencl.ClContext;
import io.github.clconv.tensor.Shape;

/**
 * The device's attainable float32 multiply-add rate (opencl/peak.cl): independent chains of multiply-adds per
 * work-item, timed with one float per work-item (as a GPU runs them, in lanes) and with 8- and 16-wide vectors per
 * work-item (as CPU runtimes run them: 10 chains of 8 floats fill sixteen 8-float registers, 12 of 16 sixteen
 * 16-float ones; on a Zen 3 under PoCL, whose AVX2 has the former, the 16-wide chains spill and ran at half the
 * rate); the fastest is the peak that layer times are a fraction of.
 */
public final class PeakBench {
    /** GFLOP/s of each form and the one kept. */
    public record Result(double scalarGflops, double vector8Gflops, double vector16Gflops) {
        public double gflops() {
            return Math.max(scalarGflops, vectorGflops());
        }

        public double vectorGflops() {
            return Math.max(vector8Gflops, vector16Gflops);
        }
    }

    private PeakBench() {
    }

    public static Result run(ClBackend b, int runs) {
        ClContext cl = b.context();
        int units = Math.max(1, cl.device().computeUnits());
        double scalar = rate(b, cl, 1, 12, (long) units * 2048, runs);
        double v8 = rate(b, cl, 8, 10, (long) units * 8, runs);
        double v16 = rate(b, cl, 16, 12, (long) units * 8, runs);
        return new Result(scalar, v8, v16);
    }

    /** GFLOP/s of fma_peak built with -DVW=vw -DCHAINS=chains over items work-items, iterations grown until a launch takes 20 ms. */
    private static double rate(ClBackend b, ClContext cl, int vw, int chains, long items, int runs) {
        try (ClBuffer out = cl.alloc(Shape.of((int) items))) {
            int iters = 64;
            double seconds;
            while (true) {
                int n = iters;
                seconds = Timer.median(b::finish, 1, runs, 1, () -> launch(cl, vw, chains, out, items, n));
                if (seconds >= 0.02 || iters >= 1 << 24) {
                    break;
                }
                iters *= seconds > 1e-4 ? (int) Math.min(64, Math.ceil(0.025 / seconds)) : 64;
            }
            return 2.0 * vw * chains * iters * items / seconds / 1e9;
        }
    }

    private static void launch(ClContext cl, int vw, int chains, ClBuffer out, long items, int iters) {
        cl.kernel("peak.cl", "-DVW=" + vw + " -DCHAINS=" + chains, "fma_peak").args(out, iters, 0.999f, 1e-3f)
                .runLocal(vw > 1 ? new long[]{1} : null, items);
    }
}
