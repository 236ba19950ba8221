package io.github.clconv.opencl;

import io.github.clconv.tensor.Shape;
import io.github.clconv.backend.Tolerance;
import io.github.clconv.tuning.Check;
import io.github.clconv.tuning.Timer;
import io.github.clconv.tuning.TuningCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Chooses each GEMM shape class's variant on a device by measurement and keeps the plan
 * on disk per device name and driver version (a TuningCache of kind gemm). Every candidate is
 * checked against a double-precision host product before its time counts, so a variant
 * that a driver miscompiles cannot win. A device with no plan gets a quick probe (seven
 * variants on a shape or two per class, gemm_nt's shapes for A * B^T, about a second on a CPU)
 * and a log line that `clconv tune` times every variant per shape class.
 */
public final class GemmTuner {
    private static final Logger log = LoggerFactory.getLogger(GemmTuner.class);
    private static final int[] PROBE = {128, 512, 128};
    /** The variants a device without a plan is probed with. */
    private static final List<GemmVariant> PROBED = List.of(GemmVariant.TILED_DEFAULT, GemmVariant.TILED_GLOBAL, GemmVariant.BLOCKED_DEFAULT,
            GemmVariant.BLOCKED_WIDE, GemmVariant.PACKED_DEFAULT, GemmVariant.BLOCKED_NARROW, GemmVariant.PACKED_NARROW);
    /** Products per launch of nn.kept's representative: a Winograd F(2x2) pass runs 16. */
    private static final int KEPT_BATCH = 16;
    /** A candidate whose first run takes this many times the best median is not timed further. */
    private static final double ABANDON = 8;
    private static final int FINALISTS = 3;

    /** One candidate on one class: GFLOP/s, or NaN with the reason it was left out. */
    public record Timing(String shapeClass, GemmVariant variant, double gflops, String note) {
    }

    public record Result(GemmPlan plan, List<Timing> timings) {
    }

    private GemmTuner() {
    }

    /** The folder of every tuner's files (TuningCache.dir()). */
    public static Path cacheDir() {
        return TuningCache.dir();
    }

    /** Named after the kernels and the candidates (the probe's among them): a plan chosen from fewer is measured again, not kept. */
    static TuningCache cache(DeviceInfo d) {
        String candidates = String.join(";", specs("nt")) + "|" + PROBED.stream().map(GemmVariant::toString).collect(java.util.stream.Collectors.joining(";"));
        return TuningCache.of("gemm", d.cacheKey(), d.describe(),
                TuningCache.hash(f -> f.isEmpty() ? candidates : ClContext.source(f), "gemm.cl", "madd.h", "epilogue.h", ""));
    }

    /** The cached plan of this device; empty when there is none, or it is unreadable or unfit for the device (said in a warning). */
    public static Optional<GemmPlan> load(DeviceInfo d) {
        TuningCache cache = cache(d);
        Optional<Properties> read = cache.read();
        if (read.isEmpty()) {
            return Optional.empty();
        }
        Properties p = read.get();
        try {
            Map<String, GemmVariant> m = new LinkedHashMap<>();
            for (String c : GemmPlan.CLASSES) {
                String spec = p.getProperty(c);
                if (spec == null) {
                    throw new IllegalArgumentException("no entry for " + c + " (written by an older clconv?)");
                }
                GemmVariant v = GemmVariant.parse(spec);
                if (v.groupSize() > d.maxWorkGroupSize() || v.localBytes() > d.localMemBytes()) {
                    throw new IllegalArgumentException(c + " = " + spec + " needs " + v.groupSize() + " work-items and " + v.localBytes()
                            + " bytes of local memory; this device allows " + d.maxWorkGroupSize() + " and " + d.localMemBytes());
                }
                m.put(c, v);
            }
            return Optional.of(new GemmPlan(m, p.getProperty("source", "tuned")));
        } catch (RuntimeException e) {
            cache.ignore(e.getMessage());
            return Optional.empty();
        }
    }

    static void save(DeviceInfo d, GemmPlan plan) {
        Properties props = new Properties();
        props.setProperty("source", plan.source());
        for (String c : GemmPlan.CLASSES) {
            props.setProperty(c, plan.variant(c).toString());
        }
        cache(d).write(props);
    }

    /**
     * The device's cached plan, else a probe's (saved, so that it runs once per device and
     * driver): the fastest of a few variants on a small and on a large product, each for its
     * size's classes; for nn.kept, the packed kernel against the small choice on a batch of products
     * with A kept packed; for A * B^T, gemm_nt's tile shapes (and that choice, unless it is the blocked kernel) on the
     * class's own shape.
     */
    static GemmPlan planFor(ClContext cl, Scratch scratch) {
        Optional<GemmPlan> cached = load(cl.device());
        if (cached.isPresent()) {
            return cached.get();
        }
        ClGemm g = new ClGemm(cl, GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "probe"), scratch);
        List<GemmVariant> probed = PROBED;
        // the small classes on two shapes (a 128 x 512 x 128 product alone was a coin toss on Zen 5 between the blocked and
        // packed kernels, 0.12-0.15 ms each, and the packed one cost lenet's training step a fifth: its products are
        // lenet-like, nn.small's representative)
        GemmVariant small = fastestOver(cl, g, List.of(PROBE, GemmPlan.representative("nn.small")), probed);
        GemmVariant large = fastest(cl, g, false, false, GemmPlan.representative("nn.large"), probed, false);
        // with A packed once (a layer's weights at inference), packing may pay where it did not for small products
        GemmVariant kept = small.kind() == GemmVariant.Kind.PACKED ? small
                : fastest(cl, g, false, false, GemmPlan.representative("nn.kept"), List.of(small, GemmVariant.PACKED_DEFAULT), true);
        Map<String, GemmVariant> byClass = new LinkedHashMap<>();
        for (String c : GemmPlan.CLASSES) {
            GemmVariant v = c.equals("nn.kept") ? kept : c.endsWith(".small") ? small : large;
            if (c.startsWith("nt")) { // gemm_nt's shapes measured on the class's own (lenet-bn's linear layer at batch 1: 74 us with
                // TR=4 TC=4 VK=8, 46 with TR=2 TC=4 VK=16), and the nn choice where it is no blocked kernel (which gathers B^T)
                List<GemmVariant> nts = new ArrayList<>(candidates(c, cl.device()).stream().filter(x -> x.kind() == GemmVariant.Kind.NT).toList());
                if (v.kind() != GemmVariant.Kind.BLOCKED) {
                    nts.add(v);
                }
                v = fastest(cl, g, false, true, GemmPlan.representative(c), nts, false);
            }
            byClass.put(c, v);
        }
        GemmPlan plan = new GemmPlan(byClass, "probe");
        log.debug("{}: no tuned GEMM plan, a quick probe chose {}; `clconv tune` times every variant per shape class",
                cl.device().describe(), plan);
        save(cl.device(), plan);
        return plan;
    }

    /**
     * The quickest correct variant of those that fit the device on one product of shape mnk (kept: A kept packed between
     * calls, as nn.kept); the first where none is.
     */
    private static GemmVariant fastest(ClContext cl, ClGemm g, boolean ta, boolean tb, int[] mnk, List<GemmVariant> variants, boolean kept) {
        GemmVariant best = variants.get(0);
        try (Problem p = new Problem(cl, ta, tb, mnk[0], mnk[1], mnk[2], 1, kept)) {
            double bestSeconds = Double.POSITIVE_INFINITY;
            for (GemmVariant v : variants) {
                if (v.groupSize() > cl.device().maxWorkGroupSize() || v.localBytes() > cl.device().localMemBytes()) {
                    continue;
                }
                Measured r = measure(cl, g, v, p, bestSeconds * ABANDON, 3);
                if (r.seconds < bestSeconds) {
                    bestSeconds = r.seconds;
                    best = v;
                }
            }
        }
        return best;
    }

    /**
     * The variant whose times on the shapes (A * B), each relative to the best there, sum least: one that wins one shape
     * narrowly and loses another by far does not win. The first where none is correct.
     */
    private static GemmVariant fastestOver(ClContext cl, ClGemm g, List<int[]> shapes, List<GemmVariant> variants) {
        double[] score = new double[variants.size()];
        for (int[] mnk : shapes) {
            double[] t = new double[variants.size()];
            double best = Double.POSITIVE_INFINITY;
            try (Problem p = new Problem(cl, false, false, mnk[0], mnk[1], mnk[2], 1, false)) {
                for (int i = 0; i < t.length; i++) {
                    GemmVariant v = variants.get(i);
                    boolean fits = v.groupSize() <= cl.device().maxWorkGroupSize() && v.localBytes() <= cl.device().localMemBytes();
                    t[i] = fits ? measure(cl, g, v, p, best * ABANDON, 3).seconds : Double.POSITIVE_INFINITY;
                    best = Math.min(best, t[i]);
                }
            }
            for (int i = 0; i < t.length; i++) {
                score[i] += t[i] / best;
            }
        }
        int win = 0;
        for (int i = 1; i < score.length; i++) {
            if (score[i] < score[win]) {
                win = i;
            }
        }
        return variants.get(win);
    }

    /** Every variant worth timing for a class on this device, the defaults first. */
    static List<GemmVariant> candidates(String shapeClass, DeviceInfo d) {
        List<GemmVariant> out = new ArrayList<>();
        for (String s : specs(shapeClass)) {
            GemmVariant v = GemmVariant.parse(s);
            if (v.groupSize() <= d.maxWorkGroupSize() && v.localBytes() <= d.localMemBytes()) {
                out.add(v);
            }
        }
        return out;
    }

    /** The candidates' specs for a class, before the device's limits leave some out. */
    private static List<String> specs(String shapeClass) {
        List<String> specs = new ArrayList<>();
        if (shapeClass.startsWith("nt")) {
            for (String b : new String[]{"TR=4 TC=4 VK=8", "TR=2 TC=4 VK=16", "TR=4 TC=2 VK=16", "TR=3 TC=4 VK=8", "TR=4 TC=4 VK=16", "TR=4 TC=6 VK=16", "TR=1 TC=4 VK=16",
                "TR=2 TC=4 VK=8", "TR=3 TC=3 VK=8"}) { // the last two: 8 or 9 accumulators and 6 loads fit sixteen 8-float registers
                specs.add("nt " + b + " WG=1");
                specs.add("nt " + b + " WG=0");
            }
        }
        for (String b : new String[]{"TM=8 VW=16", "TM=4 VW=16", "TM=6 VW=16", "TM=8 VW=8", "TM=12 VW=8", "TM=6 VW=16 VN=2", "TM=4 VW=16 VN=2",
                "TM=4 VW=8 VN=2", "TM=5 VW=8 VN=2", "TM=3 VW=8 VN=3"}) {
            specs.add("blocked " + b + " WG=1");
            specs.add("blocked " + b + " WG=0");
        }
        for (String b : new String[]{"TM=6 VW=16 VN=2", "TM=7 VW=16 VN=2", "TM=4 VW=16 VN=2", "TM=8 VW=16", "TM=12 VW=8 VN=2", "TM=5 VW=8 VN=2", "TM=3 VW=8 VN=3"}) {
            specs.add("packed " + b);
        }
        for (String t : new String[]{"TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1", "TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=0",
                "TSM=16 TSN=16 TSK=16 WM=2 WN=2 LOCAL=1", "TSM=64 TSN=64 TSK=16 WM=8 WN=4 LOCAL=1",
                "TSM=64 TSN=64 TSK=8 WM=4 WN=4 LOCAL=1", "TSM=32 TSN=64 TSK=16 WM=4 WN=8 LOCAL=1",
                "TSM=16 TSN=64 TSK=16 WM=2 WN=4 LOCAL=1", "TSM=64 TSN=32 TSK=16 WM=8 WN=4 LOCAL=1",
                "TSM=32 TSN=64 TSK=16 WM=4 WN=8 LOCAL=0", "TSM=64 TSN=64 TSK=16 WM=4 WN=8 LOCAL=0",
                "TSM=64 TSN=64 TSK=8 WM=4 WN=4 LOCAL=0"}) {
            specs.add("tiled " + t);
        }
        specs.add("clblast");
        return specs;
    }

    /**
     * Times every candidate of every class on backend's device, within about budgetSeconds
     * (each class gets its share; what does not fit is reported as not timed), saves and
     * returns the plan of the fastest correct candidates.
     */
    public static Result tune(ClBackend backend, double budgetSeconds, Consumer<Timing> progress) throws IOException {
        return tune(backend, budgetSeconds, GemmPlan.CLASSES, null, progress);
    }

    /**
     * The same for some classes only (the others keep the backend's plan), with the given
     * candidates instead of {@link #candidates} when extra is not null (each is checked
     * like the rest; the current variant is always timed first).
     */
    public static Result tune(ClBackend backend, double budgetSeconds, List<String> classes, List<GemmVariant> extra,
                              Consumer<Timing> progress) throws IOException {
        for (String c : classes) {
            GemmPlan.representative(c); // an unknown class fails here, before any timing
        }
        ClContext cl = backend.context();
        List<Timing> all = new ArrayList<>();
        Map<String, GemmVariant> winners = new LinkedHashMap<>(backend.gemmPlan().byClass());
        try (Scratch scratch = new Scratch(cl)) {
            ClGemm g = new ClGemm(cl, backend.gemmPlan(), scratch);
            long deadline = System.nanoTime();
            for (String c : classes) {
                deadline += (long) (budgetSeconds / classes.size() * 1e9);
                int[] s = GemmPlan.representative(c);
                GemmVariant current = backend.gemmPlan().variant(c), best = current;
                double bestSeconds = Double.POSITIVE_INFINITY;
                List<GemmVariant> order = new ArrayList<>(extra == null ? candidates(c, cl.device())
                        : extra.stream().filter(v -> v.kind() != GemmVariant.Kind.NT || c.startsWith("nt")).toList());
                order.remove(current);
                order.add(0, current);
                Map<GemmVariant, Double> timed = new LinkedHashMap<>();
                try (Problem p = new Problem(cl, c.charAt(0) == 't', c.charAt(1) == 't', s[0], s[1], s[2], c.hashCode(), c.equals("nn.kept"))) {
                    for (GemmVariant v : order) {
                        Timing t;
                        if (System.nanoTime() > deadline && best != null && bestSeconds < Double.POSITIVE_INFINITY) {
                            t = new Timing(c, v, Double.NaN, "not timed: over the budget");
                        } else {
                            Measured r = measure(cl, g, v, p, bestSeconds * ABANDON, 5);
                            t = new Timing(c, v, r.note == null ? p.flops() / r.seconds / 1e9 : Double.NaN, r.note);
                            if (r.note == null) {
                                timed.put(v, r.seconds);
                                if (r.seconds < bestSeconds) {
                                    bestSeconds = r.seconds;
                                    best = v;
                                }
                            }
                        }
                        all.add(t);
                        progress.accept(t);
                    }
                    best = finalRound(cl, g, p, timed, best, c, t -> {
                        all.add(t);
                        progress.accept(t);
                    });
                }
                winners.put(c, best);
            }
        }
        GemmPlan plan = new GemmPlan(winners, "tuned");
        save(cl.device(), plan);
        return new Result(plan, all);
    }

    private record Measured(double seconds, String note) {
    }

    /**
     * The fastest few again, in turns, three times: on a noisy machine one variant's time
     * varies by a third from one second to the next, more than what separates the leaders,
     * so the winner is the best median over the turns, not the luckiest first timing.
     */
    private static GemmVariant finalRound(ClContext cl, ClGemm g, Problem p, Map<GemmVariant, Double> timed, GemmVariant best, String shapeClass,
                                          Consumer<Timing> progress) {
        List<GemmVariant> top = timed.entrySet().stream().sorted(Map.Entry.comparingByValue()).limit(FINALISTS).map(Map.Entry::getKey).toList();
        if (top.size() < 2) {
            return best;
        }
        Runnable[] bodies = new Runnable[top.size()];
        int[] inner = new int[top.size()];
        for (int i = 0; i < bodies.length; i++) {
            GemmVariant v = top.get(i);
            inner[i] = (int) Math.max(1, Math.min(50, 0.02 / timed.get(v)));
            int n = inner[i];
            bodies[i] = () -> {
                for (int r = 0; r < n; r++) {
                    p.run(g, v, 1f, 0f);
                }
            };
        }
        double[] median = Timer.inTurns(cl::finish, bodies, 1, 3, 3, 0).median();
        Map<GemmVariant, Double> turns = new LinkedHashMap<>();
        for (int i = 0; i < bodies.length; i++) {
            turns.put(top.get(i), median[i] / inner[i]);
        }
        GemmVariant winner = best;
        double bestMedian = Double.POSITIVE_INFINITY;
        for (Map.Entry<GemmVariant, Double> e : turns.entrySet()) {
            if (e.getValue() < bestMedian) {
                bestMedian = e.getValue();
                winner = e.getKey();
            }
        }
        // what decided is printed: a finalist's first timing above the winner's in the table is a noisy one
        for (Map.Entry<GemmVariant, Double> e : turns.entrySet()) {
            double gflops = p.flops() / e.getValue() / 1e9;
            progress.accept(new Timing(shapeClass, e.getKey(), gflops, String.format(java.util.Locale.ROOT,
                    "final round, median of 3 turns: %8.2f GFLOP/s%s", gflops, e.getKey().equals(winner) ? "  <- chosen" : "")));
        }
        return winner;
    }

    /** Median seconds of one product with v, or a note why it does not count (wrong, failed, too slow). */
    private static Measured measure(ClContext cl, ClGemm g, GemmVariant v, Problem p, double abandonAbove, int reps) {
        try {
            cl.write(p.c, p.c0);
            p.run(g, v, 0.75f, 0.5f); // builds the program: not timed
            double err = p.error(cl.read(p.c));
            if (!(err <= Tolerance.reduction(p.k))) {
                return new Measured(Double.POSITIVE_INFINITY, String.format(java.util.Locale.ROOT, "wrong: relative error %.2g", err));
            }
            long t0 = System.nanoTime();
            p.run(g, v, 1f, 0f);
            cl.finish();
            double first = (System.nanoTime() - t0) / 1e9;
            if (first > abandonAbove) {
                return new Measured(Double.POSITIVE_INFINITY, String.format(java.util.Locale.ROOT, "abandoned: %.3f s per product", first));
            }
            int inner = (int) Math.max(1, Math.min(50, 0.02 / first));
            return new Measured(Timer.median(cl::finish, 0, reps, inner, () -> p.run(g, v, 1f, 0f)), null);
        } catch (ClException e) {
            String msg = e.getMessage();
            return new Measured(Double.POSITIVE_INFINITY, "failed: " + msg.lines().findFirst().orElse(msg));
        }
    }

    /** Random operands of one shape, on the device, with the double-precision result of alpha * op(A) op(B) + beta * C0. */
    private static final class Problem implements AutoCloseable {
        final boolean ta, tb, kept;
        final int m, n, k, count;
        final ClBuffer a, b, c;
        final float[] c0;
        private final float[] ha, hb;
        private double[] want;

        /**
         * kept: a batch of KEPT_BATCH products (as Winograd's pass runs them) whose A is run as weights kept packed between
         * calls (ClGemm.withWeights), as nn.kept's products are; a single small product is all launch.
         */
        Problem(ClContext cl, boolean ta, boolean tb, int m, int n, int k, long seed, boolean kept) {
            this.ta = ta;
            this.tb = tb;
            this.kept = kept;
            this.m = m;
            this.n = n;
            this.k = k;
            this.count = kept ? KEPT_BATCH : 1;
            SplittableRandom rnd = new SplittableRandom(seed);
            ha = random(rnd, count * m * k);
            hb = random(rnd, count * k * n);
            c0 = random(rnd, count * m * n);
            a = cl.alloc(Shape.of(count * m * k), false);
            b = cl.alloc(Shape.of(count * k * n), false);
            c = cl.alloc(Shape.of(count * m * n), false);
            cl.write(a, ha);
            cl.write(b, hb);
        }

        double flops() {
            return 2.0 * m * n * k * count;
        }

        void run(ClGemm g, GemmVariant v, float alpha, float beta) {
            if (kept) {
                g.withWeights(a, () -> g.runBatch(v, count, ta, tb, m, n, k, alpha, a, 0, ta ? m : k, m * k, b, 0, tb ? k : n, k * n, beta,
                        c, 0, n, m * n));
            } else {
                g.run(v, ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
            }
        }

        /** max |got - want| / max |want| for alpha 0.75 and beta 0.5 (over every product of a batch). */
        double error(float[] got) {
            if (want == null) {
                want = new double[count * m * n];
                double[] row = new double[n];
                for (int z = 0; z < count; z++) {
                    int za = z * m * k, zb = z * k * n, zc = z * m * n;
                    for (int i = 0; i < m; i++) {
                        Arrays.fill(row, 0);
                        for (int p = 0; p < k; p++) {
                            double x = ta ? ha[za + p * m + i] : ha[za + i * k + p];
                            for (int j = 0; j < n; j++) {
                                row[j] += x * (tb ? hb[zb + j * k + p] : hb[zb + p * n + j]);
                            }
                        }
                        for (int j = 0; j < n; j++) {
                            want[zc + i * n + j] = 0.75 * row[j] + 0.5 * c0[zc + i * n + j];
                        }
                    }
                }
            }
            return Check.relativeError(got, want);
        }

        private static float[] random(SplittableRandom rnd, int size) {
            float[] x = new float[size];
            for (int i = 0; i < size; i++) {
                x[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            return x;
        }

        @Override
        public void close() {
            a.close();
            b.close();
            c.close();
        }
    }
}
