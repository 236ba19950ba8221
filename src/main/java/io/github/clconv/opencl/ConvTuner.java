package io.github.clconv.opencl;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tuning.TuningCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Chooses the convolution algorithm per layer shape by measurement: im2col + GEMM, Winograd
 * F(2x2, 3x3) or F(4x4, 3x3), or direct convolution, among those that apply. The first time a shape
 * (channels, size, filters, padding) comes, each candidate runs a training step's work
 * (forward, input and weight gradients) on random data, after a pilot at a smaller batch
 * has dropped those far slower than the fastest (pilotSurvivors); a candidate must first agree with
 * im2col within TOLERANCE on all three results, else it cannot win. The choice is kept per
 * device and driver in a TuningCache keyed by the candidates (e.g. i2w2w4d) and their kernels' sources,
 * so that a new or changed one is measured.
 */
final class ConvTuner {
    private static final Logger log = LoggerFactory.getLogger(ConvTuner.class);
    /**
     * A candidate against im2col, max |a - b| / max |b|. Winograd's transforms scale the
     * rounding errors of the same C*9-term sums: for random signs the error of an output
     * grows by the root of the summed squared transform coefficients over direct
     * convolution's, 1.7x for F(2x2, 3x3) and 31x for F(4x4, 3x3) (the worst case, all
     * signs aligned: 7x and 256x). Measured on PoCL (Gaussian data, 8 to 128 channels):
     * F(4x4) 3e-6 to 7e-6 relative on y, dx and dW, 20 to 30 times im2col's, F(2x2) about
     * im2col's; the error grows as sqrt(C), so 1e-4 stays above F(4x4) up to several
     * thousand channels and far below any wrong index or tap (relative error near 1).
     * Direct convolution sums the same terms as im2col in another order.
     */
    static final double TOLERANCE = 1e-4;

    enum Algo {
        IM2COL, WINOGRAD2, WINOGRAD4, DIRECT;

        boolean applies(ConvGeom g) {
            return switch (this) {
                case IM2COL -> true;
                case WINOGRAD2, WINOGRAD4 -> ClWinograd.appliesTo(g);
                case DIRECT -> ClDirect.appliesTo(g);
            };
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final ClContext cl;
    private final Map<String, Algo> choices = new HashMap<>();
    private final Map<ConvGeom, Algo> byGeom = new HashMap<>(); // every call of a training step asks: no key strings then
    private final Algo forced; // null: measure
    /** While a dry pass runs: the shapes that would be measured, and nothing is measured. */
    private java.util.Set<String> dry;
    private io.github.clconv.backend.Tuning tuning;
    private int total, measured;

    /** Runs pass twice: once dry, to count the shapes to measure, then measuring each, telling t; returns the count. */
    int prepare(Runnable pass, io.github.clconv.backend.Tuning t) {
        dry = new java.util.LinkedHashSet<>();
        try {
            pass.run();
        } finally {
            total = dry.size();
            dry = null;
        }
        if (total == 0) {
            return 0;
        }
        tuning = t;
        measured = 0;
        try {
            pass.run();
        } finally {
            tuning = null;
        }
        return measured;
    }

    ConvTuner(ClContext cl, Algo forced) {
        this.cl = cl;
        this.forced = forced;
        load();
    }

    static Algo parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> null;
            case "im2col" -> Algo.IM2COL;
            case "winograd2", "winograd" -> Algo.WINOGRAD2;
            case "winograd4" -> Algo.WINOGRAD4;
            case "direct" -> Algo.DIRECT;
            default -> throw new IllegalArgumentException("convolution algorithm '" + s + "': expected auto, im2col, winograd2, winograd4 or direct");
        };
    }

    static String key(ConvGeom g) {
        return g.c() + "x" + g.h() + "x" + g.w() + "-k" + g.k() + "-p" + g.pad();
    }

    /** The algorithm for g: forced (where it applies), cached, or measured now with measure. */
    Algo choose(ConvGeom g, Measure measure) {
        List<Algo> candidates = new ArrayList<>();
        for (Algo a : Algo.values()) {
            if (a.applies(g)) {
                candidates.add(a);
            }
        }
        if (candidates.size() == 1) {
            return Algo.IM2COL;
        }
        if (forced != null) {
            return forced.applies(g) ? forced : Algo.IM2COL;
        }
        Algo known = byGeom.get(g);
        if (known != null) {
            return known;
        }
        Algo a = choices.get(key(g));
        if (a != null && a.applies(g)) {
            byGeom.put(g, a);
            return a;
        }
        if (dry != null) {
            dry.add(key(g));
            return Algo.IM2COL; // not kept: the measuring pass chooses
        }
        if (tuning != null) {
            tuning.measuring(++measured, Math.max(total, measured), "convolution " + key(g));
        }
        Map<Algo, Double> t = measure.run(g, candidates);
        a = Algo.IM2COL;
        StringBuilder times = new StringBuilder();
        for (Algo c : candidates) {
            Double s = t.get(c);
            times.append(times.length() == 0 ? "" : ", ").append(c.label()).append(' ')
                    .append(s == null ? "disagrees with im2col beyond " + TOLERANCE
                            : s.isInfinite() ? "left out by the pilot" : String.format(java.util.Locale.ROOT, "%.2f ms", s * 1e3));
            if (s != null && s < t.get(a)) {
                a = c;
            }
        }
        // what callers show is the choice (train's progress, bench's table); the times are for a debug log
        log.debug("convolution {}: {} (forward + both gradients): {}", key(g), times, a.label());
        if (tuning != null) {
            tuning.chosen("convolution " + key(g), a.label());
        }
        choices.put(key(g), a);
        byGeom.put(g, a);
        save();
        return a;
    }

    /** A candidate this many times slower than the fastest in the pilot is not measured further. */
    static final int PILOT_DROP = 4;

    /**
     * candidates less those more than PILOT_DROP times slower than the fastest, seconds[i] being candidate i's
     * time at the pilot's batch; im2col stays whatever its time, as the reference the others are checked against.
     */
    static List<Algo> pilotSurvivors(ConvGeom g, int pilotBatch, List<Algo> candidates, double[] seconds) {
        double fastest = java.util.Arrays.stream(seconds).min().orElseThrow();
        List<Algo> kept = new ArrayList<>();
        for (int i = 0; i < seconds.length; i++) {
            if (candidates.get(i) == Algo.IM2COL || seconds[i] <= PILOT_DROP * fastest) {
                kept.add(candidates.get(i));
            } else {
                log.debug("convolution {}: {} left out, {} times slower than the fastest at batch {}", key(g), candidates.get(i).label(),
                        String.format(java.util.Locale.ROOT, "%.1f", seconds[i] / fastest), pilotBatch);
            }
        }
        return kept;
    }

    @FunctionalInterface
    interface Measure {
        /**
         * Seconds per candidate for a training step's work on g; a candidate whose results disagree with im2col's is
         * left out, one the pilot dropped has infinite seconds.
         */
        Map<Algo, Double> run(ConvGeom g, List<Algo> candidates);
    }

    static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    Map<String, Algo> choices() {
        return Map.copyOf(choices);
    }

    /**
     * Keyed by the candidates and the kernels they run too: a file from before a candidate existed, or from before its
     * kernels changed, would keep choices that no longer hold.
     */
    static TuningCache cache(DeviceInfo d) {
        StringBuilder set = new StringBuilder();
        for (Algo a : Algo.values()) {
            set.append(a.label().charAt(0)).append(a.label().replaceAll("[^0-9]", ""));
        }
        return TuningCache.of("convalgo", d.cacheKey(), d.describe(), set + "-" + KERNELS_HASH);
    }

    /** The sources every candidate's kernels come from, hashed. */
    private static final String KERNELS_HASH = TuningCache.hash(ClContext::source,
            "im2col.cl", "gemm.cl", "winograd.cl", "direct.cl", "tensor.cl", "madd.h", "reduction.h");

    private void load() {
        TuningCache cache = cache(cl.device());
        Properties p = cache.read().orElse(null);
        if (p == null) {
            return;
        }
        for (String k : p.stringPropertyNames()) {
            try {
                choices.put(k, Algo.valueOf(p.getProperty(k).trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                cache.ignore(k + " = " + p.getProperty(k) + " is no algorithm");
            }
        }
    }

    private void save() {
        Properties props = new Properties();
        choices.forEach((k, v) -> props.setProperty(k, v.label()));
        cache(cl.device()).write(props);
    }
}
