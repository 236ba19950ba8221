package io.github.clconv.verify;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Tolerance;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/** Agreement checks for im2col, col2im, GEMM, conv2d and linear. */
final class LinearAlgebraCases {
    private LinearAlgebraCases() {
    }

    static List<CheckResult> im2col(Pair p, Random rnd, int i) {
        ConvGeom g = Shapes.conv(rnd, i);
        Buf[] x = p.normal(g.input(), rnd), col = p.zeros(g.col());
        p.run((b, s) -> b.im2col(x[s], g, col[s]));
        return List.of(p.compare("im2col", g.toString(), Tolerance.EXACT, col));
    }

    static List<CheckResult> col2im(Pair p, Random rnd, int i) {
        ConvGeom g = Shapes.conv(rnd, i);
        Buf[] col = p.normal(g.col(), rnd), x = p.zeros(g.input());
        p.run((b, s) -> b.col2im(col[s], g, x[s]));
        // each input element sums at most R*S column entries
        return List.of(p.compare("col2im", g.toString(), Tolerance.reduction((long) g.r() * g.s()), x));
    }

    static List<CheckResult> gemm(Pair p, Random rnd, int i) {
        int m = Shapes.size(rnd, 70), n = Shapes.size(rnd, 70), k = Shapes.size(rnd, 90);
        boolean ta = (i & 1) != 0, tb = (i & 2) != 0;
        if (i >= 4 && i < 8) { // few blocks of C and a long K: the split-K path, every transpose
            m = 3 + 7 * (i - 4);
            n = 25 - 3 * (i - 4);
            k = 2100 + 900 * (i - 4);
        } else if (i == 8) { // A's rows 4 KiB apart and A large: the padded copy
            m = 1024;
            n = 20;
            k = 1024;
        } else if (i == 9) { // a large op(B): K in panels, the last one short
            m = 9;
            n = 2100;
            k = 1100;
        }
        float alpha = i % 5 == 0 ? 1f : (float) rnd.nextGaussian(), beta = i % 3 == 0 ? 0f : (float) rnd.nextGaussian();
        int mm = m, nn = n, kk = k;
        Buf[] a = p.normal(ta ? Shape.of(k, m) : Shape.of(m, k), rnd);
        Buf[] bm = p.normal(tb ? Shape.of(n, k) : Shape.of(k, n), rnd);
        Buf[] c = p.normal(Shape.of(m, n), rnd);
        p.run((b, s) -> b.gemm(ta, tb, alpha, a[s], bm[s], beta, c[s]));
        String shape = String.format(java.util.Locale.ROOT, "m=%d n=%d k=%d %s%s alpha=%.2f beta=%.2f", mm, nn, kk, ta ? "T" : "N", tb ? "T" : "N", alpha, beta);
        return List.of(p.compare("gemm", shape, Tolerance.reduction(kk), c));
    }

    /**
     * Whatever algorithm the device chose: reduction(k) allows about 80 * sqrt(k) float
     * roundings' worth of error, and Winograd F(4x4, 3x3), the least exact, has about 31
     * times direct summation's random error (ConvTuner.TOLERANCE gives the derivation and
     * measurements: 3e-6 to 7e-6 relative, against 5e-5 to 2e-4 allowed here).
     */
    static List<CheckResult> conv(Pair p, Random rnd, int i) {
        ConvGeom g = Shapes.conv(rnd, i);
        boolean bias = i % 4 != 3;
        Buf[] x = p.normal(g.input(), rnd), w = p.normal(g.weight(), rnd);
        Buf[] bs = bias ? p.normal(Shape.of(g.k()), rnd) : new Buf[2];
        Buf[] y = p.zeros(g.output());
        // every third case with ReLU, every third with ReLU6 as the epilogue: outputs of a few hundred taps pass 6
        Activation act = i % 3 == 1 ? Activation.RELU : i % 3 == 2 ? Activation.RELU6 : null;
        p.run((b, s) -> b.conv2dForward(x[s], w[s], bs[s], g, act, y[s]));
        CheckResult fwd = p.compare("conv2d.forward", g + (act == null ? "" : " +" + act.token), Tolerance.reduction(g.colRows()), y);
        // every other case also with a residual added in the epilogue (a residual block's add at inference)
        CheckResult residual = null;
        if (i % 2 == 0) {
            Buf[] res = p.normal(g.output(), rnd), yr = p.zeros(g.output());
            p.run((b, s) -> b.conv2dForwardResidual(x[s], w[s], bs[s], g, res[s], act, yr[s]));
            residual = p.compare("conv2d.residual", g + (act == null ? "" : " +" + act.token), Tolerance.reduction(g.colRows()), yr);
        }

        // every third case where the output is at least 2x2 also with a 2x2 max pool after it, done as the convolution
        // stores where the device's algorithm can (conv-relu-maxpool(2) at inference), else by the pool apart
        CheckResult pooled = null;
        if (i % 3 == 1 && g.oh() >= 2 && g.ow() >= 2) {
            Buf[] yp = p.zeros(Shape.of(g.n(), g.k(), g.oh() / 2, g.ow() / 2)), full = p.zeros(g.output()), arg = p.zeros(yp[0].shape());
            PoolGeom pg = new PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0);
            p.run((b, s) -> {
                if (!b.conv2dForwardMaxPool(x[s], w[s], bs[s], g, act, yp[s])) {
                    b.conv2dForward(x[s], w[s], bs[s], g, act, full[s]);
                    b.maxPoolForward(full[s], pg, yp[s], arg[s]);
                }
            });
            pooled = p.compare("conv2d.maxpool", g + (act == null ? "" : " +" + act.token), Tolerance.reduction(g.colRows()), yp);
        }

        Buf[] dy = p.normal(g.output(), rnd), dx = p.zeros(g.input()), dw = p.zeros(g.weight());
        Buf[] db = bias ? p.zeros(Shape.of(g.k())) : new Buf[2];
        long longest = Math.max((long) g.n() * g.oh() * g.ow(), (long) g.k() * g.r() * g.s());
        p.run((b, s) -> b.conv2dBackward(x[s], w[s], dy[s], g, dx[s], dw[s], db[s]));
        CheckResult bwd = bias
                ? p.compare("conv2d.backward", g.toString(), Tolerance.reduction(longest), dx, dw, db)
                : p.compare("conv2d.backward", g.toString(), Tolerance.reduction(longest), dx, dw);
        List<CheckResult> out = new java.util.ArrayList<>(List.of(fwd, bwd));
        if (residual != null) {
            out.add(residual);
        }
        if (pooled != null) {
            out.add(pooled);
        }
        if (i % 4 == 2) {
            Buf[] dxAlone = p.zeros(g.input()); // a frozen layer's backward: the input gradient alone, no weight gradient
            p.run((b, s) -> b.conv2dBackward(x[s], w[s], dy[s], g, dxAlone[s], null, null));
            out.add(p.compare("conv2d.backward", g + " frozen", Tolerance.reduction(longest), dxAlone));
        }
        return out;
    }

    static List<CheckResult> linear(Pair p, Random rnd, int i) {
        int n = Shapes.size(rnd, 33), in = Shapes.size(rnd, 130), out = Shapes.size(rnd, 40);
        Buf[] x = p.normal(Shape.of(n, in), rnd), w = p.normal(Shape.of(out, in), rnd), bs = p.normal(Shape.of(out), rnd);
        Buf[] y = p.zeros(Shape.of(n, out));
        Activation act = i % 3 == 1 ? Activation.RELU : i % 3 == 2 ? Activation.RELU6 : null; // the fused ReLU of linear-relu
        p.run((b, s) -> b.linearForward(x[s], w[s], bs[s], act, y[s]));
        String shape = "x [" + n + "," + in + "], w [" + out + "," + in + "]";
        CheckResult fwd = p.compare("linear.forward", shape + (act == null ? "" : ", " + act.token), Tolerance.reduction(in), y);
        Buf[] dy = p.normal(Shape.of(n, out), rnd), dx = p.zeros(Shape.of(n, in)), dw = p.zeros(Shape.of(out, in)), db = p.zeros(Shape.of(out));
        p.run((b, s) -> b.linearBackward(x[s], w[s], dy[s], dx[s], dw[s], db[s]));
        CheckResult bwd = p.compare("linear.backward", shape, Tolerance.reduction(Math.max(n, out)), dx, dw, db);
        return List.of(fwd, bwd);
    }
}
