package io.github.clconv.bench;

import io.github.clconv.backend.Backend;

import java.util.Arrays;

/** Median wall time of repeated runs, after warm-up, each run ending with the device idle. */
public final class Timer {
    private Timer() {
    }

    /** Seconds per call of body: warm-up, then the median over runs of (reps calls). */
    public static double median(Backend b, int warmup, int runs, int reps, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        b.finish();
        double[] t = new double[runs];
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                body.run();
            }
            b.finish();
            t[r] = (System.nanoTime() - t0) / 1e9 / reps;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }
}
