package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import io.github.clconv.tuning.Check;
import io.github.clconv.tuning.Timer;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which convolution algorithm runs a layer shape on this device: a 1x1 convolution is one
 * GEMM, always; for the rest, the registered algorithms that apply are measured once per
 * shape (ConvTuner keeps the choice per device and driver) and the fastest that agrees with
 * im2col wins. The measuring harness lives here: a pilot at an eighth of the batch, then the
 * survivors timed in turns as training runs them (the forward keeping what the backward reuses).
 */
final class ConvRouter {
    private final ClContext cl;
    private final ConvAlgorithm oneByOne;
    /** The algorithms ConvTuner chooses among, by their name in its cache; im2col first, the reference of the others. */
    private final Map<ConvTuner.Algo, ConvAlgorithm> algorithms = new EnumMap<>(ConvTuner.Algo.class);
    private ConvTuner tuner;
    private final ConvTuner.Measure measure = this::measure;

    ConvRouter(ClContext cl, ClGemm gemm, Scratch scratch, ClConv im2col, long budgetBytes) {
        this.cl = cl;
        boolean elementwise = im2col.elementwise();
        oneByOne = new ClConv1x1(cl, gemm, scratch, elementwise);
        algorithms.put(ConvTuner.Algo.IM2COL, im2col);
        algorithms.put(ConvTuner.Algo.WINOGRAD2, new ClWinograd(cl, gemm, scratch, budgetBytes, elementwise, 2));
        algorithms.put(ConvTuner.Algo.WINOGRAD4, new ClWinograd(cl, gemm, scratch, budgetBytes, elementwise, 4));
        algorithms.put(ConvTuner.Algo.DIRECT, new ClDirect(cl, scratch, elementwise));
        tuner = new ConvTuner(cl, null);
    }

    /** Forces one algorithm where it applies (null: measure). */
    void force(ConvTuner.Algo a) {
        tuner = new ConvTuner(cl, a);
    }

    /** The algorithm for g, measuring the candidates now if this device has not met g's shape. */
    ConvAlgorithm of(ConvGeom g) {
        return oneByOne.applies(g) ? oneByOne : algorithms.get(tuner.choose(g, measure));
    }

    String label(ConvGeom g) {
        return oneByOne.applies(g) ? "1x1" : tuner.choose(g, measure).label();
    }

    int prepare(Runnable pass, io.github.clconv.backend.Tuning tuning) {
        return tuner.prepare(pass, tuning);
    }

    /** A training step's convolution work by a: the forward keeps what its backward reuses. */
    private static void step(ConvAlgorithm a, Buf x, Buf w, ConvGeom g, ClBuffer[] out) {
        a.forward(x, w, null, g, out[0], out[3]);
        a.backward(x, w, out[0], g, out[1], out[2], null, out[3]);
    }

    /**
     * Seconds per candidate for g on random data; those that disagree with im2col are left out. First a pilot at an
     * eighth of the batch drops the candidates more than ConvTuner.PILOT_DROP times slower than the best there (on rusticl a
     * direct step of the 56x56 layer took 49 s where Winograd took 0.5 s). The survivors then run in turns (Timer.inTurns, the median
     * of each), for at least five rounds and until MEASURE_SECONDS have passed: with five rounds of a 3 ms
     * layer, 50 ms in all, a burst of load on a shared machine once made one 1.8x slower win.
     */
    private Map<ConvTuner.Algo, Double> measure(ConvGeom g, List<ConvTuner.Algo> candidates) {
        List<ConvTuner.Algo> timed = pilot(g, candidates);
        int c = timed.size();
        List<ClBuffer> bufs = new ArrayList<>();
        try (ClBuffer x = cl.alloc(g.input(), false); ClBuffer w = cl.alloc(g.weight(), false)) {
            cl.write(x, ConvTuner.random(g.input().size(), 1));
            cl.write(w, ConvTuner.random(g.weight().size(), 2));
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
            double[] best = Timer.inTurns(cl::finish, agreeing, 1, 5, MAX_ROUNDS, MEASURE_SECONDS);
            Map<ConvTuner.Algo, Double> t = new EnumMap<>(ConvTuner.Algo.class);
            for (ConvTuner.Algo a : candidates) {
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

    private static final int MAX_ROUNDS = 30;
    private static final double MEASURE_SECONDS = 0.3;

    /** candidates less those far slower than the best at an eighth of g's batch (ConvTuner.pilotSurvivors). */
    private List<ConvTuner.Algo> pilot(ConvGeom g, List<ConvTuner.Algo> candidates) {
        if (g.n() < 8) {
            return candidates;
        }
        ConvGeom p = g.withBatch(g.n() / 8);
        double[] s = new double[candidates.size()];
        List<ClBuffer> bufs = new ArrayList<>();
        try (ClBuffer x = cl.alloc(p.input(), false); ClBuffer w = cl.alloc(p.weight(), false)) {
            cl.write(x, ConvTuner.random(p.input().size(), 1));
            cl.write(w, ConvTuner.random(p.weight().size(), 2));
            for (int i = 0; i < s.length; i++) {
                ConvAlgorithm a = algorithms.get(candidates.get(i));
                ClBuffer[] out = trialBuffers(a, p, bufs);
                step(a, x, w, p, out); // builds its kernels
                s[i] = Timer.once(cl::finish, 1, () -> step(a, x, w, p, out));
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
