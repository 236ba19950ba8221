package io.github.clconv.tuning;

import java.util.Arrays;

/**
 * The one way clconv times kernels, for tuners and benchmarks alike. What the noise of a small
 * shared machine taught: time after a warm-up (the first call builds programs); take medians,
 * not means (a burst of load adds seconds to one round); and when candidates compete, time
 * them in turns, round after round, so that a burst hits them alike instead of one of them.
 * sync waits until the device is idle (Backend.finish).
 */
public final class Timer {
    private Timer() {
    }

    /** Seconds per call of body: warmup calls, then the median over rounds of (reps calls). */
    public static double median(Runnable sync, int warmup, int rounds, int reps, Runnable body) {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        sync.run();
        double[] t = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            t[r] = once(sync, reps, body);
        }
        return median(t);
    }

    /** Seconds per call of body, reps calls timed once from an idle device (no warm-up). */
    public static double once(Runnable sync, int reps, Runnable body) {
        sync.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            body.run();
        }
        sync.run();
        return (System.nanoTime() - t0) / 1e9 / reps;
    }

    /**
     * Seconds per call of each body, timed in turns: at least minRounds rounds and, while
     * under maxRounds, until minSeconds have passed; each body's median over its rounds.
     * A null body is not timed (its result is infinite). The bodies have run before (built).
     */
    public static double[] inTurns(Runnable sync, Runnable[] bodies, int reps, int minRounds, int maxRounds, double minSeconds) {
        double[][] t = new double[bodies.length][maxRounds];
        long start = System.nanoTime();
        int rounds = 0;
        while (rounds < maxRounds && (rounds < minRounds || System.nanoTime() - start < minSeconds * 1e9)) {
            for (int i = 0; i < bodies.length; i++) {
                t[i][rounds] = bodies[i] == null ? Double.POSITIVE_INFINITY : once(sync, reps, bodies[i]);
            }
            rounds++;
        }
        double[] med = new double[bodies.length];
        for (int i = 0; i < bodies.length; i++) {
            med[i] = median(Arrays.copyOf(t[i], rounds));
        }
        return med;
    }

    static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
