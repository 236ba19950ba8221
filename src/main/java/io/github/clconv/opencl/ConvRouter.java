package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import io.github.clconv.tuning.Check;
import io.github.clconv.tuning.Timer;
import io.github.clconv.tuning.TuningCache;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which convolution algorithm runs a layer shape on this device: a 1x1 convolution is one
 * GEMM, always; for the rest, the algorithms registered in ALGORITHMS that apply are measured
 * once per shape (ConvTuner keeps the choice per device and driver) and the fastest that
 * agrees with im2col wins: on a training step's work, or at batch 1 (inference) on the forward alone. Adding an algorithm: its class (ConvAlgorithm), its kernels' .cl
 * file, and one Registration line here. The measuring harness lives here: a pilot at an eighth of the batch, then the
 * survivors timed in turns as training runs them (the forward keeping what the backward reuses).
 */
final class ConvRouter {
    /** What an algorithm is built from: the device's context, GEMM, scratch, the im2col launcher and data-movement layout. */
    record Parts(ClContext cl, ClGemm gemm, Scratch scratch, ClConv im2col, long budgetBytes, boolean elementwise) {
    }

    /** An algorithm's name (in the tuning cache and --conv-algo), the kernel sources it runs and how it is built. */
    record Registration(String name, List<String> sources, java.util.function.Function<Parts, ConvAlgorithm> build) {
    }

    /** The algorithms measured against each other, im2col first (the reference of the others). A new one is one line here. */
    static final List<Registration> ALGORITHMS = List.of(
            new Registration(ConvTuner.REFERENCE, List.of("im2col.cl", "gemm.cl", "madd.h"), Parts::im2col),
            new Registration("winograd2", List.of("winograd.cl", "gemm.cl", "tensor.cl", "madd.h"),
                    p -> new ClWinograd(p.cl(), p.gemm(), p.scratch(), p.budgetBytes(), p.elementwise(), 2)),
            new Registration("winograd4", List.of("winograd.cl", "gemm.cl", "tensor.cl", "madd.h"),
                    p -> new ClWinograd(p.cl(), p.gemm(), p.scratch(), p.budgetBytes(), p.elementwise(), 4)),
            new Registration("winograd4-chunked", List.of("winograd.cl", "gemm.cl", "tensor.cl", "madd.h"),
                    p -> ClWinograd.cacheChunked(p.cl(), p.gemm(), p.scratch(), p.elementwise(), 4)),
            new Registration("direct", List.of("direct.cl", "tensor.cl", "madd.h", "reduction.h"), p -> new ClDirect(p.cl(), p.scratch(), p.elementwise())),
            new Registration("direct2", List.of("direct.cl", "tensor.cl", "madd.h", "reduction.h"), p -> ClDirect.pairs(p.cl(), p.scratch(), p.elementwise())),
            new Registration("direct-narrow", List.of("direct.cl", "tensor.cl", "madd.h", "reduction.h"), p -> ClDirect.narrow(p.cl(), p.scratch(), p.elementwise(), 1)),
            new Registration("direct2-narrow", List.of("direct.cl", "tensor.cl", "madd.h", "reduction.h"), p -> ClDirect.narrow(p.cl(), p.scratch(), p.elementwise(), 2)),
            new Registration("lanes", List.of("direct.cl", "im2col.cl", "gemm.cl", "madd.h"), p -> new ClLanes(p.cl(), p.scratch(), p.im2col(), false)),
            new Registration("valid", List.of("direct.cl", "im2col.cl", "gemm.cl", "madd.h"), p -> new ClLanes(p.cl(), p.scratch(), p.im2col(), true)),
            new Registration("strided", List.of("strided.cl", "direct.cl", "im2col.cl", "gemm.cl", "madd.h"),
                    p -> new ClStrided(p.cl(), p.scratch(), p.im2col(), p.elementwise())),
            new Registration("strided-narrow", List.of("strided.cl", "direct.cl", "im2col.cl", "gemm.cl", "madd.h"),
                    p -> ClStrided.narrow(p.cl(), p.scratch(), p.im2col(), p.elementwise())),
            new Registration("depthwise", List.of("depthwise.cl", "madd.h", "reduction.h"), p -> new ClDepthwise(p.cl(), p.elementwise())));

    /** The names --conv-algo takes: auto (measure) and every registered algorithm. */
    static List<String> names() {
        List<String> n = new ArrayList<>(List.of("auto"));
        ALGORITHMS.forEach(r -> n.add(r.name()));
        return n;
    }

    /** The convolution choices' cache: keyed by the registered names and their kernels, so a new or changed one is measured. */
    static TuningCache cache(DeviceInfo d) {
        StringBuilder set = new StringBuilder();
        java.util.Set<String> sources = new java.util.TreeSet<>();
        for (Registration r : ALGORITHMS) {
            set.append(r.name().charAt(0)).append(r.name().replaceAll("[^0-9]", ""));
            sources.addAll(r.sources());
        }
        return TuningCache.of("convalgo", d.cacheKey(), d.describe(), set + "-" + TuningCache.hash(ClContext::source, sources.toArray(String[]::new)));
    }

    private final ClContext cl;
    private final ConvAlgorithm oneByOne;
    private final Map<String, ConvAlgorithm> algorithms = new LinkedHashMap<>();
    private final ConvTuner tuner;
    private final ConvTuner.Measure measure = this::measure;
    private String forced; // null: measure
    private boolean preparing;

    /** y += r, as a backend adds a residual after a convolution without an epilogue for it (ClElementwise.add). */
    private final java.util.function.BiConsumer<ClBuffer, ClBuffer> add;
    /** pooled = maxpool2x2(y) of g's output, as a backend pools after a convolution that cannot as it stores. */
    private final PoolAfter pool;

    /** A 2x2 stride-2 max pool of y (g's output) into pooled, argmax a buffer of pooled's size. */
    interface PoolAfter {
        void run(ClBuffer y, ConvGeom g, ClBuffer pooled, ClBuffer argmax);
    }

    ConvRouter(ClContext cl, ClGemm gemm, Scratch scratch, ClConv im2col, long budgetBytes, java.util.function.BiConsumer<ClBuffer, ClBuffer> add,
               PoolAfter pool) {
        this.cl = cl;
        this.add = add;
        this.pool = pool;
        Parts parts = new Parts(cl, gemm, scratch, im2col, budgetBytes, im2col.elementwise());
        oneByOne = new ClConv1x1(cl, gemm, scratch, im2col.elementwise());
        ALGORITHMS.forEach(r -> algorithms.put(r.name(), r.build().apply(parts)));
        tuner = new ConvTuner(cache(cl.device()), algorithms.keySet());
    }

    /** Forces one algorithm by name (winograd: winograd2) where it applies; auto: measure. */
    void force(String name) {
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        n = n.equals("winograd") ? "winograd2" : n;
        if (!n.equals("auto") && !algorithms.containsKey(n)) {
            throw new IllegalArgumentException("convolution algorithm '" + name + "': expected one of " + String.join(", ", names()));
        }
        forced = n.equals("auto") ? null : n;
    }

    /** The algorithm for g's training step, measuring the candidates now if this device has not met g's shape. */
    ConvAlgorithm of(ConvGeom g) {
        return oneByOne.applies(g) ? oneByOne : algorithms.get(choose(g, ConvTuner.Pass.STEP));
    }

    /** The algorithm for a forward pass on g that keeps nothing for a backward (inference), chosen on its forward alone. */
    ConvAlgorithm forwardOf(ConvGeom g) {
        return oneByOne.applies(g) ? oneByOne : algorithms.get(choose(g, ConvTuner.Pass.FORWARD));
    }

    /** The same for a forward whose output a residual add follows, chosen on the forward and the add together. */
    ConvAlgorithm forwardResidualOf(ConvGeom g) {
        return oneByOne.applies(g) ? oneByOne : algorithms.get(choose(g, ConvTuner.Pass.RESIDUAL));
    }

    /** The same for a forward whose output a 2x2 max pool follows, chosen on the forward and the pool together. */
    ConvAlgorithm forwardMaxPoolOf(ConvGeom g) {
        return oneByOne.applies(g) ? oneByOne : algorithms.get(choose(g, ConvTuner.Pass.POOL));
    }

    String label(ConvGeom g) {
        return oneByOne.applies(g) ? "1x1" : choose(g, ConvTuner.Pass.STEP);
    }

    private String choose(ConvGeom g, ConvTuner.Pass pass) {
        if (forced != null) {
            return algorithms.get(forced).applies(g) ? forced : ConvTuner.REFERENCE;
        }
        List<String> candidates = new ArrayList<>();
        algorithms.forEach((n, a) -> {
            if (a.applies(g)) {
                candidates.add(n);
            }
        });
        if (preparing) { // the pass is an inference forward; the training steps after it need their own choices too
            tuner.choose(g, pass == ConvTuner.Pass.STEP ? ConvTuner.Pass.FORWARD : ConvTuner.Pass.STEP, candidates, measure);
        }
        return tuner.choose(g, pass, candidates, measure);
    }

    /** Runs pass (a forward) measuring, with tuning told, both the forward's and the training step's choice of each shape it meets. */
    int prepare(Runnable pass, io.github.clconv.backend.Tuning tuning) {
        preparing = true;
        try {
            return tuner.prepare(pass, tuning);
        } finally {
            preparing = false;
        }
    }

    /** A training step's convolution work by a: the forward keeps what its backward reuses. */
    private static void step(ConvAlgorithm a, ClBuffer x, ClBuffer w, ConvGeom g, ClBuffer[] out) {
        w.wrote(); // as an optimiser's step does: the forward packs the weights afresh (PackCache), as in training
        a.forward(x, w, null, g, null, out[0], out[3]);
        a.backward(x, w, out[0], g, out[1], out[2], null, out[3]);
    }

    /**
     * Seconds per candidate for g on random data; those that disagree with im2col are left out. First a pilot at an
     * eighth of the batch drops the candidates more than ConvTuner.PILOT_DROP times slower than the best there (on rusticl a
     * direct step of the 56x56 layer took 49 s where Winograd took 0.5 s). The survivors then run in turns and keep
     * their best time (Timer.inTurns), for at least five rounds and until MEASURE_SECONDS have passed: with five rounds of a 3 ms
     * layer, 50 ms in all, a burst of load on a shared machine once made one 1.8x slower win.
     */
    private Map<String, Double> measure(ConvGeom g, List<String> candidates, ConvTuner.Pass pass) {
        List<String> timed = pilot(g, candidates);
        int c = timed.size();
        List<ClBuffer> bufs = new ArrayList<>();
        try (ClBuffer x = cl.alloc(g.input(), false); ClBuffer w = cl.alloc(g.weight(), false);
             ClBuffer r = pass == ConvTuner.Pass.RESIDUAL ? cl.alloc(g.output(), false) : null;
             ClBuffer pooled = pass == ConvTuner.Pass.POOL ? cl.alloc(pooledShape(g), false) : null;
             ClBuffer argmax = pass == ConvTuner.Pass.POOL ? cl.alloc(pooledShape(g), false) : null) {
            cl.write(x, ConvTuner.random(g.input().size(), 1));
            cl.write(w, ConvTuner.random(g.weight().size(), 2));
            if (r != null) {
                cl.write(r, ConvTuner.random(g.output().size(), 3));
            }
            ClBuffer[][] out = new ClBuffer[c][];
            for (int i = 0; i < c; i++) {
                out[i] = trialBuffers(algorithms.get(timed.get(i)), g, bufs);
                step(algorithms.get(timed.get(i)), x, w, g, out[i]);
            }
            float[][] want = {cl.read(out[0][0]), cl.read(out[0][1]), cl.read(out[0][2])}; // timed.get(0) is im2col
            Runnable[] agreeing = new Runnable[c]; // null: disagrees with im2col, not timed
            for (int i = 0; i < c; i++) {
                boolean agrees = true;
                for (int j = 0; j < 3; j++) {
                    agrees &= Check.agrees(cl.read(out[i][j]), want[j], ConvTuner.TOLERANCE);
                }
                ConvAlgorithm a = algorithms.get(timed.get(i));
                ClBuffer[] o = out[i];
                agreeing[i] = agrees ? () -> step(a, x, w, g, o) : null;
            }
            int reps = 1;
            if (pass != ConvTuner.Pass.STEP) {
                // inference (predict, latency, batch 1 always): its forward alone is timed, as it will run, several calls
                // back to back as a network's layers follow each other (timed one by one from an idle device, each
                // kernel paid the runtime's wake-up: im2col's four launches took 3.5 ms where they run in 2); with the
                // residual add or 2x2 max pool after it where one follows, as the algorithm does it (its epilogue, or a pass of its own)
                reps = g.n() == 1 ? 4 : 1;
                for (int i = 0; i < c; i++) {
                    ConvAlgorithm a = algorithms.get(timed.get(i));
                    ClBuffer y = out[i][0];
                    agreeing[i] = agreeing[i] == null ? null : pooled != null ? () -> {
                        if (!a.forwardMaxPool(x, w, null, g, null, pooled)) {
                            a.forward(x, w, null, g, null, y, null);
                            pool.run(y, g, pooled, argmax);
                        }
                    } : r == null ? () -> a.forward(x, w, null, g, null, y, null) : () -> {
                        if (!a.forwardResidual(x, w, null, g, r, null, y)) {
                            a.forward(x, w, null, g, null, y, null);
                            add.accept(y, r);
                        }
                    };
                }
            }
            double[] best = Timer.inTurns(cl::finish, agreeing, reps, 5, MAX_ROUNDS, MEASURE_SECONDS).best();
            Map<String, Double> t = new java.util.HashMap<>();
            for (String a : candidates) {
                if (!timed.contains(a)) {
                    t.put(a, Double.POSITIVE_INFINITY); // the pilot dropped it
                }
            }
            for (int i = 0; i < c; i++) {
                if (agreeing[i] != null) {
                    t.put(timed.get(i), best[i]);
                }
            }
            return t;
        } finally {
            bufs.forEach(ClBuffer::close);
        }
    }

    private static Shape pooledShape(ConvGeom g) {
        return Shape.of(g.n(), g.k(), g.oh() / 2, g.ow() / 2);
    }

    private static final int MAX_ROUNDS = 30;
    private static final double MEASURE_SECONDS = 0.3;

    /** candidates less those far slower than the best at an eighth of g's batch (ConvTuner.pilotSurvivors). */
    private List<String> pilot(ConvGeom g, List<String> candidates) {
        if (g.n() < 8) {
            return candidates;
        }
        ConvGeom p = g.withBatch(g.n() / 8);
        double[] s = new double[candidates.size()];
        List<ClBuffer> bufs = new ArrayList<>();
        try (ClBuffer x = cl.alloc(p.input(), false); ClBuffer w = cl.alloc(p.weight(), false)) {
            cl.write(x, ConvTuner.random(p.input().size(), 1));
            cl.write(w, ConvTuner.random(p.weight().size(), 2));
            Runnable[] steps = new Runnable[s.length];
            for (int i = 0; i < s.length; i++) {
                ConvAlgorithm a = algorithms.get(candidates.get(i));
                ClBuffer[] out = trialBuffers(a, p, bufs);
                steps[i] = () -> step(a, x, w, p, out);
                steps[i].run(); // builds its kernels
                s[i] = Timer.once(cl::finish, 1, steps[i]);
            }
            for (int i : ConvTuner.pilotRetimes(s)) {
                for (int r = 0; r < ConvTuner.PILOT_RETRIES; r++) {
                    s[i] = Math.min(s[i], Timer.once(cl::finish, 1, steps[i]));
                }
            }
        } finally {
            bufs.forEach(ClBuffer::close);
        }
        return ConvTuner.pilotSurvivors(g, p.n(), candidates, s);
    }

    /** y, dx, dW and (where a keeps one) the buffer a's forward keeps for its backward, added to bufs. */
    private ClBuffer[] trialBuffers(ConvAlgorithm a, ConvGeom g, List<ClBuffer> bufs) {
        Shape k = a.keptShape(g);
        ClBuffer[] out = {cl.alloc(g.output(), false), cl.alloc(g.input(), false), cl.alloc(g.weight(), false),
                k == null ? null : cl.alloc(k, false)};
        for (ClBuffer b : out) {
            if (b != null) {
                bufs.add(b);
            }
        }
        return out;
    }
}
