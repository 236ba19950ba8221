package io.github.clconv.backend;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

/**
 * Argument rules shared by both backends, checked before any kernel runs. Each failure
 * is an IllegalArgumentException naming the op, the shapes and the rule broken.
 */
public final class Checks {
    private Checks() {
    }

    public static void shape(String op, String what, Buf b, Shape expected) {
        if (b == null) {
            throw new IllegalArgumentException(op + ": " + what + " is missing (expected shape " + expected + ")");
        }
        if (!b.shape().equals(expected)) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + b.shape() + " but must be " + expected);
        }
    }

    public static void optionalShape(String op, String what, Buf b, Shape expected) {
        if (b != null) {
            shape(op, what, b, expected);
        }
    }

    public static void sameSize(String op, String what, Buf a, String otherWhat, Buf b) {
        if (a.shape().size() != b.shape().size()) {
            throw new IllegalArgumentException(op + ": " + what + " " + a.shape() + " and " + otherWhat + " " + b.shape() + " must have the same number of elements");
        }
    }

    public static void finite(String op, String what, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(op + ": " + what + " must be a finite number, got " + v);
        }
    }

    public static void range(String op, String what, double v, double lo, double hi) {
        finite(op, what, v);
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(op + ": " + what + " must lie in [" + lo + ", " + hi + "], got " + v);
        }
    }

    public static void rank(String op, String what, Buf b, int... ranks) {
        for (int r : ranks) {
            if (b.shape().rank() == r) {
                return;
            }
        }
        throw new IllegalArgumentException(op + ": " + what + " has shape " + b.shape() + " but must have rank " + java.util.Arrays.toString(ranks));
    }

    /** No weight gradient (a frozen layer) means no bias gradient either: the kernels compute both together or neither. */
    private static void frozenTogether(String op, Buf dw, Buf db) {
        if (dw == null && db != null) {
            throw new IllegalArgumentException(op + ": a bias gradient without the weight gradient; skip both (a frozen layer) or neither");
        }
    }

    /** An epilogue (a convolution's, an add's) applies no activation, ReLU or ReLU6. */
    public static void epilogue(String op, Activation act) {
        if (act != null && act != Activation.RELU && act != Activation.RELU6) {
            throw new IllegalArgumentException(op + ": the epilogue applies relu or relu6, not " + act.token);
        }
    }

    /** A normalisation's fused activation: ReLU or ReLU6. */
    public static void fusedActivation(String op, Activation act) {
        if (act != Activation.RELU && act != Activation.RELU6) {
            throw new IllegalArgumentException(op + ": the fused activation is relu or relu6, not " + (act == null ? "none" : act.token));
        }
    }

    public static void conv(ConvGeom g, Buf x, Buf w, Buf bias, Buf y) {
        shape("conv2d", "input", x, g.input());
        shape("conv2d", "weight", w, g.weight());
        optionalShape("conv2d", "bias", bias, Shape.of(g.k()));
        shape("conv2d", "output", y, g.output());
    }

    /** conv's checks, y the output's 2x2 maxima [N, K, OH/2, OW/2] (OH and OW at least 2). */
    public static void convMaxPool(ConvGeom g, Buf x, Buf w, Buf bias, Buf y) {
        shape("conv2d maxpool", "input", x, g.input());
        shape("conv2d maxpool", "weight", w, g.weight());
        optionalShape("conv2d maxpool", "bias", bias, Shape.of(g.k()));
        if (g.oh() < 2 || g.ow() < 2) {
            throw new IllegalArgumentException("conv2d maxpool: a 2x2 pool needs an output of at least 2x2, got " + g.oh() + "x" + g.ow());
        }
        shape("conv2d maxpool", "output", y, Shape.of(g.n(), g.k(), g.oh() / 2, g.ow() / 2));
    }

    public static void convBackward(ConvGeom g, Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf db) {
        shape("conv2d backward", "input", x, g.input());
        shape("conv2d backward", "weight", w, g.weight());
        shape("conv2d backward", "output gradient", dy, g.output());
        optionalShape("conv2d backward", "input gradient", dx, g.input());
        optionalShape("conv2d backward", "weight gradient", dw, g.weight());
        frozenTogether("conv2d backward", dw, db);
        optionalShape("conv2d backward", "bias gradient", db, Shape.of(g.k()));
    }

    public static void im2col(ConvGeom g, Buf x, Buf col) {
        shape("im2col", "input", x, g.input());
        shape("im2col", "col", col, g.col());
    }

    /** Returns {m, n, k}. */
    public static int[] gemm(boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        rank("gemm", "a", a, 2);
        rank("gemm", "b", b, 2);
        rank("gemm", "c", c, 2);
        finite("gemm", "alpha", alpha);
        finite("gemm", "beta", beta);
        int m = ta ? a.shape().dim(1) : a.shape().dim(0);
        int k = ta ? a.shape().dim(0) : a.shape().dim(1);
        int kb = tb ? b.shape().dim(1) : b.shape().dim(0);
        int n = tb ? b.shape().dim(0) : b.shape().dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("gemm: inner dimensions differ: op(a) is " + m + "x" + k + " (a " + a.shape() + (ta ? " transposed" : "")
                    + "), op(b) is " + kb + "x" + n + " (b " + b.shape() + (tb ? " transposed" : "") + ")");
        }
        shape("gemm", "c", c, Shape.of(m, n));
        return new int[]{m, n, k};
    }

    public static void linear(Buf x, Buf w, Buf bias, Buf y) {
        rank("linear", "input", x, 2);
        rank("linear", "weight", w, 2);
        int n = x.shape().dim(0);
        int in = x.shape().dim(1);
        int out = w.shape().dim(0);
        if (w.shape().dim(1) != in) {
            throw new IllegalArgumentException("linear: input " + x.shape() + " has " + in + " features but weight " + w.shape() + " expects " + w.shape().dim(1));
        }
        optionalShape("linear", "bias", bias, Shape.of(out));
        shape("linear", "output", y, Shape.of(n, out));
    }

    public static void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf db) {
        linear(x, w, db, dy);
        optionalShape("linear backward", "input gradient", dx, x.shape());
        optionalShape("linear backward", "weight gradient", dw, w.shape());
        frozenTogether("linear backward", dw, db);
    }

    public static void pool(String op, PoolGeom g, Buf x, Buf y) {
        shape(op, "input", x, g.input());
        shape(op, "output", y, g.output());
    }

    /** x [N, C, H, W] to y [N, C]: a mean per (image, channel) plane. */
    public static void globalAvgPool(String op, Buf x, Buf y) {
        rank(op, "input", x, 4);
        shape(op, "output", y, Shape.of(x.shape().dim(0), x.shape().dim(1)));
    }

    /** x [N, C, H, W] and y [N, C, OH, OW], every size at least 1. */
    public static void adaptiveAvgPool(String op, Buf x, Buf y) {
        rank(op, "input", x, 4);
        rank(op, "output", y, 4);
        Shape a = x.shape(), b = y.shape();
        if (a.dim(0) != b.dim(0) || a.dim(1) != b.dim(1) || b.dim(2) < 1 || b.dim(3) < 1 || a.dim(2) < 1 || a.dim(3) < 1) {
            throw new IllegalArgumentException(op + ": input " + a + " and output " + b + " must agree in N and C, every plane at least 1x1");
        }
    }

    /** src and dst [N, C, ...] agree but for C; [c0, c0 + count) must lie within each one's channels. */
    public static void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        Shape s = src.shape(), d = dst.shape();
        boolean same = s.rank() == d.rank() && s.rank() >= 2 && s.dim(0) == d.dim(0);
        for (int i = 2; same && i < s.rank(); i++) {
            same = s.dim(i) == d.dim(i);
        }
        if (!same) {
            throw new IllegalArgumentException("copy_channels: " + s + " and " + d + " must agree in every dimension but the channels (the second)");
        }
        if (count < 0 || srcC0 < 0 || dstC0 < 0 || srcC0 + count > s.dim(1) || dstC0 + count > d.dim(1)) {
            throw new IllegalArgumentException("copy_channels: channels [" + srcC0 + ", " + (srcC0 + count) + ") of " + s + " to [" + dstC0 + ", "
                    + (dstC0 + count) + ") of " + d + " reach outside a tensor");
        }
    }

    public static void rows(String op, Buf x) {
        rank(op, "input", x, 2);
    }

    public static void labels(String op, Buf logits, Buf labels) {
        rank(op, "logits", logits, 2);
        shape(op, "labels", labels, Shape.of(logits.shape().dim(0)));
    }

    public static void batchNorm(String op, Buf x, Buf... perChannel) {
        rank(op, "input", x, 2, 4);
        Shape ch = Shape.of(x.shape().dim(1));
        for (Buf b : perChannel) {
            shape(op, "per-channel tensor", b, ch);
        }
    }

    public static void gather(Buf src, Buf idx, int offset, Buf dst) {
        shape("gather", "destination", dst, src.shape().withFirst(dst.shape().dim(0)));
        if (offset < 0 || offset + dst.shape().dim(0) > idx.shape().size()) {
            throw new IllegalArgumentException("gather: rows " + offset + ".." + (offset + dst.shape().dim(0)) + " lie outside the index list of " + idx.shape().size());
        }
    }

    public static void range(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        if (count < 0 || srcOffset < 0 || dstOffset < 0 || srcOffset + count > src.shape().size() || dstOffset + count > dst.shape().size()) {
            throw new IllegalArgumentException("copy: " + count + " values from offset " + srcOffset + " of " + src.shape()
                    + " to offset " + dstOffset + " of " + dst.shape() + " do not fit");
        }
    }

    public static void reshape(Buf b, Shape s) {
        if (b.shape().size() != s.size()) {
            throw new IllegalArgumentException("reshape: " + b.shape() + " has " + b.shape().size() + " values, " + s + " needs " + s.size());
        }
    }

    public static void elementwise(String op, Buf... bufs) {
        for (Buf b : bufs) {
            if (b != null && !b.shape().equals(bufs[0].shape())) {
                throw new IllegalArgumentException(op + ": shapes " + bufs[0].shape() + " and " + b.shape() + " must be equal");
            }
        }
    }

    public static void dropout(Buf x, float p, Buf mask, Buf y) {
        elementwise("dropout", x, mask, y);
        finite("dropout", "p", p);
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout: p must lie in [0, 1), got " + p);
        }
    }

    public static void augment(Buf x, int pad, Buf y) {
        rank("augment", "x", x, 4);
        elementwise("augment", x, y);
        if (pad < 0 || pad > 1024) {
            throw new IllegalArgumentException("augment: the crop padding must lie in [0, 1024], got " + pad);
        }
    }

    public static void batchNormHyper(String op, float momentum, float eps) {
        range(op, "momentum", momentum, 0, 1);
        finite(op, "eps", eps);
        if (eps <= 0) {
            throw new IllegalArgumentException(op + ": eps must be > 0, got " + eps);
        }
    }

    public static void optimiser(String op, Buf p, Buf g, Buf state, float lr, float weightDecay) {
        elementwise(op, p, g, state);
        finite(op, "learning rate", lr);
        finite(op, "weight decay", weightDecay);
        if (lr < 0 || weightDecay < 0) {
            throw new IllegalArgumentException(op + ": learning rate and weight decay must be >= 0, got " + lr + " and " + weightDecay);
        }
    }

    /** x [N, C] or [N, C, H, W]; groups divides C; affine tensors per channel or per element of a sample; statistics [N*groups]. */
    public static void groupNorm(String op, Buf x, int groups, Buf gamma, Buf beta, Buf saveMean, Buf saveInvStd) {
        rank(op, "input", x, 2, 4);
        int c = x.shape().dim(1), perSample = x.shape().size() / x.shape().dim(0);
        if (groups < 1 || c % groups != 0) {
            throw new IllegalArgumentException(op + ": " + groups + " groups do not divide " + c + " channels");
        }
        if (gamma.shape().size() != c && gamma.shape().size() != perSample) {
            throw new IllegalArgumentException(op + ": gamma has " + gamma.shape() + "; it must hold one value per channel (" + c
                    + ") or per element of a sample (" + perSample + ")");
        }
        shape(op, "beta", beta, gamma.shape());
        Shape stats = Shape.of(x.shape().dim(0) * groups);
        shape(op, "saved mean", saveMean, stats);
        shape(op, "saved inverse std", saveInvStd, stats);
    }

    /** x [N, C] or [N, C, H, W]; the slopes and their gradient one per channel. */
    public static void prelu(String op, Buf x, Buf... perChannel) {
        rank(op, "input", x, 2, 4);
        for (Buf b : perChannel) {
            shape(op, "per-channel slope", b, Shape.of(x.shape().dim(1)));
        }
    }

    public static void l1(Buf p, Buf g, float lambda) {
        elementwise("l1_gradient", p, g);
        finite("l1_gradient", "lambda", lambda);
        if (lambda < 0) {
            throw new IllegalArgumentException("l1_gradient: lambda must be >= 0, got " + lambda);
        }
    }

    public static void sgd(Buf p, Buf g, Buf v, float lr, float momentum, float wd) {
        optimiser("sgd", p, g, v, lr, wd);
        range("sgd", "momentum", momentum, 0, 1);
    }

    public static void adam(Buf p, Buf g, Buf m, Buf v, float lr, float b1, float b2, float eps, float wd, int step) {
        optimiser("adam", p, g, m, lr, wd);
        elementwise("adam", p, v);
        range("adam", "beta1", b1, 0, 1 - 1e-12);
        range("adam", "beta2", b2, 0, 1 - 1e-12);
        finite("adam", "eps", eps);
        if (step < 1) {
            throw new IllegalArgumentException("adam: step counts from 1, got " + step);
        }
    }
}
