package io.github.clconv.opencl;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import io.github.clconv.tuning.Check;
import io.github.clconv.tuning.Timer;
import io.github.clconv.tuning.TuningCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Properties;
import java.util.Random;

/**
 * Chooses, per device and driver, how the convolution's data movement (im2col, col2im
 * and the reorders in opencl/im2col.cl) is laid out over work-items: a row per work-item
 * (CPU runtimes that give each work-item its own SIMD registers) or an element per
 * work-item (devices that run work-items in SIMD lanes). Measured once on a lenet-sized
 * im2col, both results compared for equality first; kept beside the GEMM plan.
 */
final class MovementTuner {
    private static final Logger log = LoggerFactory.getLogger(MovementTuner.class);
    private static final ConvGeom PROBE = new ConvGeom(16, 20, 12, 12, 50, 5, 5, 1, 0);

    /** A measurement: seconds per im2col of PROBE for each layout. */
    record Result(boolean elementwise, double rowSeconds, double elementSeconds) {
    }

    private MovementTuner() {
    }

    static TuningCache cache(DeviceInfo d) {
        return TuningCache.of("movement", d.cacheKey(), d.describe(), TuningCache.hash(ClContext::source, "im2col.cl"));
    }

    /** The device's cached choice, else a measurement's (saved). */
    static boolean elementwise(ClContext cl, Scratch scratch) {
        TuningCache cache = cache(cl.device());
        Optional<Properties> cached = cache.read();
        if (cached.isPresent()) {
            String v = cached.get().getProperty("im2col", "");
            if (v.equals("row") || v.equals("element")) {
                return v.equals("element");
            }
            cache.ignore("im2col is '" + v + "', not row or element");
        }
        Result r = measure(cl, scratch);
        save(cl.device(), r);
        return r.elementwise();
    }

    /** Times both layouts (after checking that they agree) and saves the faster. */
    static Result tune(ClContext cl) {
        try (Scratch scratch = new Scratch(cl)) {
            Result r = measure(cl, scratch);
            save(cl.device(), r);
            return r;
        }
    }

    private static Result measure(ClContext cl, Scratch scratch) {
        ConvGeom g = PROBE;
        float[] host = new float[g.input().size()];
        Random rnd = new Random(7);
        for (int i = 0; i < host.length; i++) {
            host[i] = rnd.nextFloat();
        }
        long cols = (long) g.colRows() * g.n() * g.oh() * g.ow();
        try (ClBuffer x = cl.alloc(g.input(), false); ClBuffer a = cl.alloc(Shape.of((int) cols), false);
             ClBuffer b = cl.alloc(Shape.of((int) cols), false)) {
            cl.write(x, host);
            ClConv rows = new ClConv(cl, null, scratch, ClBackend.COL_BUDGET_BYTES, false);
            ClConv elems = new ClConv(cl, null, scratch, ClBackend.COL_BUDGET_BYTES, true);
            rows.im2col(x, g, a, 0, g.n());
            elems.im2col(x, g, b, 0, g.n());
            if (!Check.agrees(cl.read(b), cl.read(a), 0)) { // the same copies: equal to the bit
                log.warn("{}: the element-wise im2col disagrees with the row-wise one; keeping rows", cl.device().describe());
                return new Result(false, Double.NaN, Double.NaN);
            }
            double[] t = Timer.inTurns(cl::finish, new Runnable[]{() -> rows.im2col(x, g, a, 0, g.n()), () -> elems.im2col(x, g, b, 0, g.n())},
                    5, 5, 5, 0).best(); // in turns, the best of five: noise only adds time
            return new Result(t[1] < t[0], t[0], t[1]);
        }
    }

    private static void save(DeviceInfo d, Result r) {
        Properties props = new Properties();
        props.setProperty("im2col", r.elementwise() ? "element" : "row");
        props.setProperty("row_ms", String.valueOf(r.rowSeconds() * 1e3));
        props.setProperty("element_ms", String.valueOf(r.elementSeconds() * 1e3));
        cache(d).write(props);
    }
}
