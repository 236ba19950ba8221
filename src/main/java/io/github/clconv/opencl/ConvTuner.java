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
 * F(2x2, 3x3) or F(4x4, 3x3), direct convolution, or whatever ConvRouter registers, among those
 * that apply (the tuner knows them by name only). The first time a shape
 * (channels, size, filters, padding) comes, each candidate runs a training step's work
 * (forward, input and weight gradients; at batch 1 the forward alone) on random data, after a pilot at a smaller batch
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

    /** The reference every candidate is checked against and the fallback; the first of every candidate list. */
    static final String REFERENCE = "im2col";

    private final TuningCache cache;
    private final Map<String, String> choices = new HashMap<>();
    /** Per pass, the choices met so far: every call of a training step asks, and builds no key string then. */
    private final Map<Pass, Map<ConvGeom, String>> byGeom = new java.util.EnumMap<>(Pass.class);

    {
        for (Pass p : Pass.values()) {
            byGeom.put(p, new HashMap<>());
        }
    }
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

    /** names: the algorithms a cached choice may name (the others are ignored). */
    ConvTuner(TuningCache cache, java.util.Collection<String> names) {
        this.cache = cache;
        load(names);
    }

    /**
     * The layer shape a choice is kept for: every field (a 3x3 and a 5x5, or a dense and a
     * depthwise layer, differ) and whether the batch is one image, which is chosen apart: a
     * choice measured at batch 64 (Winograd, whose batched GEMMs then fill the cores) made
     * resnet20's batch-1 inference 2.5x slower than the direct convolution measured at batch 1.
     * Other batch sizes share a choice. Batch 1 is timed on its forward alone ("-n1f"): on a training
     * step, resnet18's 128x28x28 layer chose the direct convolution, whose forward took 3.1 ms against
     * Winograd F(2x2)'s 2.0. A forward pass that keeps nothing for a backward (inference) at larger batches
     * is chosen apart too, on its forward alone ("-f"): on a training step resnet20's stride-2 3x3 layer
     * had chosen im2col (strided's backward was then im2col's), whose forward took 1.07 ms against strided's 0.38.
     */
    static String key(ConvGeom g) {
        return key(g, Pass.STEP);
    }

    static String key(ConvGeom g, Pass pass) {
        String timed = g.n() == 1 ? switch (pass) {
            case RESIDUAL -> "-n1fr";
            case POOL -> "-n1fp";
            default -> "-n1f";
        } : pass.suffix;
        return g.c() + "x" + g.h() + "x" + g.w() + "-k" + g.k() + "-" + g.r() + "x" + g.s() + "-s" + g.stride() + "-p" + g.pad()
                + (g.groups() == 1 ? "" : "-g" + g.groups()) + timed;
    }

    /**
     * What a choice is measured on: a training step's work (forward, both gradients), a forward that keeps nothing
     * for a backward (inference), or such a forward whose output a residual add follows (the add done as the
     * convolution's epilogue where the algorithm has one, else as a pass of its own): resnet20's 1x1 stride-2
     * shortcuts timed alone chose im2col (0.13 ms against strided's 0.15 at batch 64), where strided also does the
     * block's add and the network's inference ran 3% faster with it. Or a forward whose output a 2x2 max pool
     * follows (the pool done as the convolution stores where the algorithm can, else as a pass of its own): lenet-bn's
     * 32x28x28 layer timed alone chose Winograd in chunks (forward 5.8 ms and a pool pass) over the direct convolution
     * that pools as it stores (4.9 ms in all).
     */
    enum Pass {
        STEP(""), FORWARD("-f"), RESIDUAL("-fr"), POOL("-fp");

        private final String suffix;

        Pass(String suffix) {
            this.suffix = suffix;
        }
    }

    /** The algorithm for a training step on g among candidates (those that apply, REFERENCE first): cached, or measured now with measure. */
    String choose(ConvGeom g, List<String> candidates, Measure measure) {
        return choose(g, Pass.STEP, candidates, measure);
    }

    /** The same, for the work pass does on g. */
    String choose(ConvGeom g, Pass pass, List<String> candidates, Measure measure) {
        if (candidates.size() == 1) {
            return REFERENCE;
        }
        Pass timed = pass == Pass.STEP && g.n() == 1 ? Pass.FORWARD : pass; // batch 1 is timed on its forward either way
        Map<ConvGeom, String> byGeom = this.byGeom.get(timed);
        String known = byGeom.get(g);
        if (known != null) {
            return known;
        }
        String key = key(g, timed);
        String a = choices.get(key);
        if (a != null && candidates.contains(a)) {
            byGeom.put(g, a);
            return a;
        }
        if (dry != null) {
            dry.add(key);
            return REFERENCE; // not kept: the measuring pass chooses
        }
        if (tuning != null) {
            tuning.measuring(++measured, Math.max(total, measured), "convolution " + key);
        }
        Map<String, Double> t = measure.run(g, candidates, timed);
        a = REFERENCE;
        StringBuilder times = new StringBuilder();
        for (String c : candidates) {
            Double s = t.get(c);
            times.append(times.length() == 0 ? "" : ", ").append(c).append(' ')
                    .append(s == null ? "disagrees with im2col beyond " + TOLERANCE
                            : s.isInfinite() ? "left out by the pilot" : String.format(java.util.Locale.ROOT, "%.2f ms", s * 1e3));
            if (s != null && s < t.get(a)) {
                a = c;
            }
        }
        // what callers show is the choice (train's progress, bench's table); the times are for a debug log
        log.debug("convolution {}: {} ({}): {}", key, times, timed == Pass.STEP ? "forward + both gradients"
                : timed == Pass.RESIDUAL ? "forward + residual add" : timed == Pass.POOL ? "forward + 2x2 max pool" : "forward", a);
        if (tuning != null) {
            tuning.chosen("convolution " + key, a);
        }
        choices.put(key, a);
        byGeom.put(g, a);
        save();
        return a;
    }

    /** A candidate this many times slower than the fastest in the pilot is not measured further. */
    static final int PILOT_DROP = 4;
    /**
     * The pilot times each candidate once; one it would drop but no more than this many times slower than the
     * fastest is timed PILOT_RETRIES more times and keeps its best. At an eighth of batch 64 a step of resnet20's
     * layers takes 0.1-0.6 ms, and one hiccup of a shared 2-core machine (a few ms) can make a single run look 4x
     * slower; the far slower candidates (rusticl's direct step, 98x) are still not run again.
     */
    static final int PILOT_RETIME = 16;
    static final int PILOT_RETRIES = 2;

    /** The candidates the pilot times again (ConvTuner.PILOT_RETIME): those it would drop by seconds, but not by far. */
    static List<Integer> pilotRetimes(double[] seconds) {
        double fastest = java.util.Arrays.stream(seconds).min().orElseThrow();
        List<Integer> again = new ArrayList<>();
        for (int i = 0; i < seconds.length; i++) {
            if (seconds[i] > PILOT_DROP * fastest && seconds[i] <= PILOT_RETIME * fastest) {
                again.add(i);
            }
        }
        return again;
    }

    /**
     * candidates less those more than PILOT_DROP times slower than the fastest, seconds[i] being candidate i's
     * time at the pilot's batch; im2col stays whatever its time, as the reference the others are checked against.
     */
    static List<String> pilotSurvivors(ConvGeom g, int pilotBatch, List<String> candidates, double[] seconds) {
        double fastest = java.util.Arrays.stream(seconds).min().orElseThrow();
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < seconds.length; i++) {
            if (candidates.get(i).equals(REFERENCE) || seconds[i] <= PILOT_DROP * fastest) {
                kept.add(candidates.get(i));
            } else {
                log.debug("convolution {}: {} left out, {} times slower than the fastest at batch {}", key(g), candidates.get(i),
                        String.format(java.util.Locale.ROOT, "%.1f", seconds[i] / fastest), pilotBatch);
            }
        }
        return kept;
    }

    @FunctionalInterface
    interface Measure {
        /**
         * Seconds per candidate for pass's work on g; a candidate whose results disagree with im2col's is left out,
         * one the pilot dropped has infinite seconds.
         */
        Map<String, Double> run(ConvGeom g, List<String> candidates, Pass pass);
    }

    static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    Map<String, String> choices() {
        return Map.copyOf(choices);
    }

    private void load(java.util.Collection<String> names) {
        Properties p = cache.read().orElse(null);
        if (p == null) {
            return;
        }
        for (String k : p.stringPropertyNames()) {
            String v = p.getProperty(k).trim();
            if (names.contains(v)) {
                choices.put(k, v);
            } else {
                cache.ignore(k + " = " + v + " is no algorithm");
            }
        }
    }

    private void save() {
        Properties props = new Properties();
        props.putAll(choices);
        cache.write(props);
    }
}
