package io.github.clconv.tuning;

import java.util.Arrays;

/**
 * The one way clconv times kernels, for tuners and benchmarks alike. What the noise of a small
 * shared machine taught: time after a warm-up (the first call builds programs); take medians,
 * not means, to report (a burst of load adds seconds to one round); when candidates compete,
 * time them in turns, round after round, so that a burst hits them alike instead of one of
 * them, and compare their best rounds (noise only adds time: with medians of five rounds the
 * convolution tuner once chose an algorithm 10% slower than the one best rounds choose).
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

    /** Each candidate's seconds per call over the rounds of inTurns: best() to choose, median() to report. */
    public record Turns(double[][] seconds) {
        /** The fastest round of each: noise on a shared machine only adds time, so the least time is the closest to the truth. */
        public double[] best() {
            return java.util.Arrays.stream(seconds).mapToDouble(t -> java.util.Arrays.stream(t).min().orElse(Double.POSITIVE_INFINITY)).toArray();
        }

        public double[] median() {
            return java.util.Arrays.stream(seconds).mapToDouble(Timer::median).toArray();
        }
    }

    /**
     * Seconds per call of each body, timed in turns: at least minRounds rounds and, while
     * under maxRounds, until minSeconds have passed. A null body is not timed (its rounds are
     * infinite). The bodies have run before (built).
     */
    public static Turns inTurns(Runnable sync, Runnable[] bodies, int reps, int minRounds, int maxRounds, double minSeconds) {
        double[][] t = new double[bodies.length][maxRounds];
        long start = System.nanoTime();
        int rounds = 0;
        while (rounds < maxRounds && (rounds < minRounds || System.nanoTime() - start < minSeconds * 1e9)) {
            for (int i = 0; i < bodies.length; i++) {
                t[i][rounds] = bodies[i] == null ? Double.POSITIVE_INFINITY : once(sync, reps, bodies[i]);
            }
            rounds++;
        }
        for (int i = 0; i < bodies.length; i++) {
            t[i] = Arrays.copyOf(t[i], rounds);
        }
        return new Turns(t);
    }

    static double median(double[] t) {
        double[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
