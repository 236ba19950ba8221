package io.github.clconv.verify;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.PoolGeom;

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
