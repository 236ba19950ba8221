package io.github.clconv.verify;

import io.github.clconv.backend.Tolerance;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/** Agreement checks for max and average pooling. */
final class PoolCases {
    private PoolCases() {
    }

    static List<CheckResult> max(Pair p, Random rnd, int i) {
        PoolGeom g = Shapes.pool(rnd, i);
        Buf[] x = p.normal(g.input(), rnd), y = p.zeros(g.output()), arg = p.zeros(g.output());
        p.run((b, s) -> b.maxPoolForward(x[s], g, y[s], arg[s]));
        CheckResult fwd = p.compare("maxpool2d.forward", g.toString(), Tolerance.EXACT, y, arg);
        Buf[] dy = p.normal(g.output(), rnd), dx = p.zeros(g.input());
        p.run((b, s) -> b.maxPoolBackward(dy[s], arg[s], g, dx[s]));
        CheckResult bwd = p.compare("maxpool2d.backward", g.toString(), Tolerance.reduction((long) g.kernel() * g.kernel()), dx);
        return List.of(fwd, bwd);
    }

    /** Planes from 1x1 to beyond a work-group's width (256 values), odd sizes. */
    static List<CheckResult> globalAvg(Pair p, Random rnd, int i) {
        int side = i == 0 ? 1 : i == 1 ? 23 : Shapes.size(rnd, 13);
        Shape in = Shape.of(Shapes.size(rnd, 5), Shapes.size(rnd, 19), side, i == 1 ? 17 : Shapes.size(rnd, 13));
        Shape out = Shape.of(in.dim(0), in.dim(1));
        Buf[] x = p.normal(in, rnd), y = p.zeros(out);
        p.run((b, s) -> b.globalAvgPoolForward(x[s], y[s]));
        CheckResult fwd = p.compare("globalavgpool.forward", in.toString(), Tolerance.reduction((long) in.dim(2) * in.dim(3)), y);
        Buf[] dy = p.normal(out, rnd), dx = p.zeros(in);
        p.run((b, s) -> b.globalAvgPoolBackward(dy[s], dx[s]));
        return List.of(fwd, p.compare("globalavgpool.backward", in.toString(), Tolerance.EXACT, dx));
    }

    /** Outputs smaller, equal and larger than the input (overlapping windows), 7x7 from 1x1 (VGG's head at 32 px). */
    static List<CheckResult> adaptiveAvg(Pair p, Random rnd, int i) {
        int h = i == 0 ? 1 : Shapes.size(rnd, 19), w = i == 0 ? 1 : Shapes.size(rnd, 17);
        int oh = i == 0 ? 7 : Shapes.size(rnd, 9), ow = i == 0 ? 7 : Shapes.size(rnd, 9);
        Shape in = Shape.of(Shapes.size(rnd, 3), Shapes.size(rnd, 5), h, w), out = Shape.of(in.dim(0), in.dim(1), oh, ow);
        long window = (long) (h / oh + 2) * (w / ow + 2);
        Buf[] x = p.normal(in, rnd), y = p.zeros(out);
        p.run((b, s) -> b.adaptiveAvgPoolForward(x[s], y[s]));
        CheckResult fwd = p.compare("adaptiveavgpool.forward", in + " -> " + oh + "x" + ow, Tolerance.reduction(window), y);
        Buf[] dy = p.normal(out, rnd), dx = p.zeros(in);
        p.run((b, s) -> b.adaptiveAvgPoolBackward(dy[s], dx[s]));
        long covers = (long) (oh / h + 2) * (ow / w + 2);
        return List.of(fwd, p.compare("adaptiveavgpool.backward", in + " -> " + oh + "x" + ow, Tolerance.reduction(covers), dx));
    }

    static List<CheckResult> avg(Pair p, Random rnd, int i) {
        PoolGeom g = Shapes.pool(rnd, i);
        long window = (long) g.kernel() * g.kernel();
        Buf[] x = p.normal(g.input(), rnd), y = p.zeros(g.output());
        p.run((b, s) -> b.avgPoolForward(x[s], g, y[s]));
        CheckResult fwd = p.compare("avgpool2d.forward", g.toString(), Tolerance.reduction(window), y);
        Buf[] dy = p.normal(g.output(), rnd), dx = p.zeros(g.input());
        p.run((b, s) -> b.avgPoolBackward(dy[s], g, dx[s]));
        CheckResult bwd = p.compare("avgpool2d.backward", g.toString(), Tolerance.reduction(window), dx);
        return List.of(fwd, bwd);
    }
}
