package io.github.clconv.backend;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central-difference gradient checks of every backward op of the reference, in double
 * precision (the reference stores doubles). For an op y = f(x) and a fixed random r,
 * L = sum(y * r); backward(dy = r) must equal (L(x + h) - L(x - h)) / 2h per element.
 * With h = 1e-5 the truncation error is O(h^2) and the rounding error O(1e-16 / h), so
 * agreement to 1e-6 relative (to max(1, |g|)) is a real check.
 */
class GradientCheckTest {
    static final long SEED = 7L;
    static final double H = 1e-5, TOL = 1e-6;
    final ReferenceBackend ref = new ReferenceBackend();
    final Random rnd = new Random(SEED);

    Buf rand(Shape s) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return ref.upload(s, v);
    }

    /** Checks that analytic = dL/dinput where L = sum(output * weights), recomputing output with forward. */
    void check(String what, Buf input, Runnable forward, Buf output, double[] weights, Buf analytic) {
        double[] x = ref.raw(input), g = ref.raw(analytic).clone();
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + H;
            forward.run();
            double lp = dot(ref.raw(output), weights);
            x[i] = keep - H;
            forward.run();
            double lm = dot(ref.raw(output), weights);
            x[i] = keep;
            double numeric = (lp - lm) / (2 * H);
            if (Math.abs(numeric - g[i]) > TOL * Math.max(1, Math.abs(numeric))) {
                fail(what + " (seed " + SEED + "): element " + i + " analytic " + g[i] + " numeric " + numeric);
            }
        }
        forward.run();
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void conv2d() {
        ConvGeom g = new ConvGeom(2, 3, 7, 6, 4, 3, 2, 2, 1);
        Buf x = rand(g.input()), w = rand(g.weight()), b = rand(Shape.of(g.k())), y = ref.zeros(g.output()), r = rand(g.output());
        Buf dx = ref.zeros(g.input()), dw = ref.zeros(g.weight()), db = ref.zeros(Shape.of(g.k()));
        Runnable fwd = () -> ref.conv2dForward(x, w, b, g, y);
        fwd.run();
        ref.conv2dBackward(x, w, r, g, dx, dw, db);
        check("conv2d dx", x, fwd, y, ref.raw(r), dx);
        check("conv2d dw", w, fwd, y, ref.raw(r), dw);
        check("conv2d db", b, fwd, y, ref.raw(r), db);
    }

    @Test
    void groupedAndDepthwiseConv2d() {
        for (ConvGeom g : new ConvGeom[]{new ConvGeom(2, 6, 5, 6, 9, 3, 3, 2, 1, 3), new ConvGeom(1, 4, 6, 5, 4, 3, 3, 1, 1, 4)}) {
            Buf x = rand(g.input()), w = rand(g.weight()), b = rand(Shape.of(g.k())), y = ref.zeros(g.output()), r = rand(g.output());
            Buf dx = ref.zeros(g.input()), dw = ref.zeros(g.weight()), db = ref.zeros(Shape.of(g.k()));
            Runnable fwd = () -> ref.conv2dForward(x, w, b, g, y);
            fwd.run();
            ref.conv2dBackward(x, w, r, g, dx, dw, db);
            check("conv2d dx, " + g, x, fwd, y, ref.raw(r), dx);
            check("conv2d dw, " + g, w, fwd, y, ref.raw(r), dw);
            check("conv2d db, " + g, b, fwd, y, ref.raw(r), db);
        }
    }

    @Test
    void globalAvgPool() {
        Buf x = rand(Shape.of(2, 3, 5, 4)), y = ref.zeros(Shape.of(2, 3)), r = rand(Shape.of(2, 3)), dx = ref.zeros(x.shape());
        Runnable fwd = () -> ref.globalAvgPoolForward(x, y);
        fwd.run();
        ref.globalAvgPoolBackward(r, dx);
        check("globalavgpool", x, fwd, y, ref.raw(r), dx);
    }

    /** Smaller, larger (overlapping windows, repeated pixels) and 7x7 from 1x1 outputs. */
    @Test
    void adaptiveAvgPool() {
        for (int[] s : new int[][]{{5, 7, 2, 3}, {3, 4, 5, 7}, {1, 1, 7, 7}, {6, 6, 4, 4}}) {
            Buf x = rand(Shape.of(2, 3, s[0], s[1])), y = ref.zeros(Shape.of(2, 3, s[2], s[3])), r = rand(y.shape()), dx = ref.zeros(x.shape());
            Runnable fwd = () -> ref.adaptiveAvgPoolForward(x, y);
            fwd.run();
            ref.adaptiveAvgPoolBackward(r, dx);
            check("adaptiveavgpool " + java.util.Arrays.toString(s), x, fwd, y, ref.raw(r), dx);
        }
    }

    @Test
    void im2colAndCol2imAreAdjoint() {
        ConvGeom g = new ConvGeom(2, 2, 5, 6, 1, 3, 3, 2, 1);
        Buf x = rand(g.input()), col = ref.zeros(g.col()), r = rand(g.col()), dx = ref.zeros(g.input());
        Runnable fwd = () -> ref.im2col(x, g, col);
        fwd.run();
        ref.col2im(r, g, dx); // the gradient of im2col is col2im
        check("im2col/col2im", x, fwd, col, ref.raw(r), dx);
    }

    @Test
    void gemmGradientsAreGemms() {
        Buf a = rand(Shape.of(4, 5)), b = rand(Shape.of(5, 3)), c = ref.zeros(Shape.of(4, 3)), r = rand(Shape.of(4, 3));
        Buf da = ref.zeros(Shape.of(4, 5)), db = ref.zeros(Shape.of(5, 3));
        Runnable fwd = () -> ref.gemm(false, false, 1f, a, b, 0f, c);
        fwd.run();
        ref.gemm(false, true, 1f, r, b, 0f, da); // dA = R * B^T
        ref.gemm(true, false, 1f, a, r, 0f, db); // dB = A^T * R
        check("gemm dA", a, fwd, c, ref.raw(r), da);
        check("gemm dB", b, fwd, c, ref.raw(r), db);
    }

    @Test
    void linear() {
        Buf x = rand(Shape.of(3, 7)), w = rand(Shape.of(4, 7)), b = rand(Shape.of(4)), y = ref.zeros(Shape.of(3, 4)), r = rand(Shape.of(3, 4));
        Buf dx = ref.zeros(x.shape()), dw = ref.zeros(w.shape()), db = ref.zeros(b.shape());
        Runnable fwd = () -> ref.linearForward(x, w, b, y);
        fwd.run();
        ref.linearBackward(x, w, r, dx, dw, db);
        check("linear dx", x, fwd, y, ref.raw(r), dx);
        check("linear dw", w, fwd, y, ref.raw(r), dw);
        check("linear db", b, fwd, y, ref.raw(r), db);
    }

    @Test
    void pooling() {
        PoolGeom g = new PoolGeom(2, 2, 7, 5, 3, 2, 1);
        Buf x = rand(g.input()), y = ref.zeros(g.output()), arg = ref.zeros(g.output()), r = rand(g.output()), dx = ref.zeros(g.input());
        Runnable max = () -> ref.maxPoolForward(x, g, y, arg);
        max.run();
        ref.maxPoolBackward(r, arg, g, dx);
        check("maxpool2d", x, max, y, ref.raw(r), dx);
        Runnable avg = () -> ref.avgPoolForward(x, g, y);
        avg.run();
        ref.avgPoolBackward(r, g, dx);
        check("avgpool2d", x, avg, y, ref.raw(r), dx);
    }

    @Test
    void activations() {
        for (Activation a : Activation.values()) {
            Shape s = Shape.of(3, 11);
            Buf x = rand(s), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s);
            Runnable fwd = () -> ref.activationForward(a, 0.1f, x, y);
            fwd.run();
            ref.activationBackward(a, 0.1f, x, y, r, dx);
            check(a.name(), x, fwd, y, ref.raw(r), dx);
        }
    }

    /** ReLU6 away from its corners (central differences are undefined there), below 0, between, and above 6. */
    @Test
    void relu6AcrossBothCorners() {
        Shape s = Shape.of(4, 9);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = -7.7f + 0.43f * i; // from -7.7 to 7.78, none within 0.01 of 0 or 6
        }
        Buf x = ref.upload(s, v), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s);
        Runnable fwd = () -> ref.activationForward(Activation.RELU6, 0f, x, y);
        fwd.run();
        ref.activationBackward(Activation.RELU6, 0f, x, y, r, dx);
        check("relu6", x, fwd, y, ref.raw(r), dx);
        double[] out = ref.raw(y);
        assertEquals(0.0, out[0]);
        assertEquals(6.0, out[v.length - 1]);
    }

    @Test
    void softmaxAndLogSoftmax() {
        for (boolean log : new boolean[]{false, true}) {
            Shape s = Shape.of(3, 6);
            Buf x = rand(s), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s);
            Runnable fwd = () -> ref.softmaxForward(x, y, log);
            fwd.run();
            ref.softmaxBackward(y, r, dx, log);
            check(log ? "logsoftmax" : "softmax", x, fwd, y, ref.raw(r), dx);
        }
    }

    @Test
    void losses() {
        Shape s = Shape.of(4, 5);
        Buf logits = rand(s), labels = ref.uploadLabels(new int[]{0, 4, 2, 2}, 5), probs = ref.zeros(s), loss = ref.zeros(Shape.of(1));
        Buf dl = ref.zeros(s);
        Runnable xent = () -> ref.softmaxXentForward(logits, labels, probs, loss);
        xent.run();
        ref.softmaxXentBackward(probs, labels, dl);
        check("softmax_xent", logits, xent, loss, new double[]{1}, dl);
        Runnable smoothed = () -> ref.softmaxXentForward(logits, labels, 0.2f, probs, loss);
        smoothed.run();
        ref.softmaxXentBackward(probs, labels, 0.2f, dl);
        check("softmax_xent smoothing 0.2", logits, smoothed, loss, new double[]{1}, dl);

        Buf y = rand(s), t = rand(s), dy = ref.zeros(s);
        Runnable mse = () -> ref.mseForward(y, t, loss);
        mse.run();
        ref.mseBackward(y, t, dy);
        check("mse", y, mse, loss, new double[]{1}, dy);
    }

    @Test
    void dropout() {
        Shape s = Shape.of(5, 9);
        Buf x = rand(s), mask = ref.zeros(s), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s);
        Runnable fwd = () -> ref.dropoutForward(x, 0.4f, 99L, mask, y);
        fwd.run();
        ref.dropoutBackward(r, mask, dx);
        check("dropout", x, fwd, y, ref.raw(r), dx);
    }

    @Test
    void batchNormInTrainingMode() {
        for (Shape s : new Shape[]{Shape.of(3, 4, 3, 2), Shape.of(5, 3)}) {
            Shape ch = Shape.of(s.dim(1));
            Buf x = rand(s), gamma = rand(ch), beta = rand(ch), rm = ref.zeros(ch), rv = ref.zeros(ch);
            Buf y = ref.zeros(s), mean = ref.zeros(ch), inv = ref.zeros(ch), r = rand(s);
            Buf dx = ref.zeros(s), dg = ref.zeros(ch), db = ref.zeros(ch);
            Runnable fwd = () -> ref.batchNormTrainForward(x, gamma, beta, rm, rv, 0.1f, 1e-5f, y, mean, inv);
            fwd.run();
            ref.batchNormBackward(x, gamma, mean, inv, r, dx, dg, db);
            check("batchnorm dx " + s, x, fwd, y, ref.raw(r), dx);
            check("batchnorm dgamma " + s, gamma, fwd, y, ref.raw(r), dg);
            check("batchnorm dbeta " + s, beta, fwd, y, ref.raw(r), db);
        }
    }

    /** GroupNorm (3 groups), InstanceNorm (groups = C), LayerNorm (1 group, elementwise affine), on images and a flat input. */
    @Test
    void groupNormInEachUse() {
        Object[][] cases = {{Shape.of(2, 6, 3, 2), 3, false}, {Shape.of(3, 4, 2, 3), 4, false}, {Shape.of(2, 3, 2, 2), 1, true}, {Shape.of(4, 5), 1, true},
                {Shape.of(4, 6), 2, false}};
        for (Object[] c : cases) {
            Shape s = (Shape) c[0];
            int groups = (int) c[1];
            Shape affine = (boolean) c[2] ? Shape.of(java.util.Arrays.copyOfRange(s.dims(), 1, s.rank())) : Shape.of(s.dim(1)), stats = Shape.of(s.dim(0) * groups);
            Buf x = rand(s), gamma = rand(affine), beta = rand(affine), y = ref.zeros(s), mean = ref.zeros(stats), inv = ref.zeros(stats), r = rand(s);
            Buf dx = ref.zeros(s), dg = ref.zeros(affine), db = ref.zeros(affine);
            Runnable fwd = () -> ref.groupNormForward(x, groups, gamma, beta, 1e-5f, y, mean, inv);
            fwd.run();
            ref.groupNormBackward(x, groups, gamma, mean, inv, r, dx, dg, db);
            String what = s + " groups " + groups + ((boolean) c[2] ? " elementwise" : "");
            check("groupnorm dx " + what, x, fwd, y, ref.raw(r), dx);
            check("groupnorm dgamma " + what, gamma, fwd, y, ref.raw(r), dg);
            check("groupnorm dbeta " + what, beta, fwd, y, ref.raw(r), db);
        }
    }

    @Test
    void prelu() {
        for (Shape s : new Shape[]{Shape.of(2, 3, 2, 3), Shape.of(4, 5)}) {
            Shape ch = Shape.of(s.dim(1));
            Buf x = rand(s), a = rand(ch), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s), da = ref.zeros(ch);
            Runnable fwd = () -> ref.preluForward(x, a, y);
            fwd.run();
            ref.preluBackward(x, a, r, dx, da);
            check("prelu dx " + s, x, fwd, y, ref.raw(r), dx);
            check("prelu da " + s, a, fwd, y, ref.raw(r), da);
        }
    }

    @Test
    void theCheckItselfCatchesAWrongGradient() {
        Shape s = Shape.of(2, 3);
        Buf x = rand(s), y = ref.zeros(s), r = rand(s), dx = ref.zeros(s);
        Runnable fwd = () -> ref.activationForward(Activation.TANH, 0f, x, y);
        fwd.run();
        ref.activationBackward(Activation.SIGMOID, 0f, x, y, r, dx); // deliberately the wrong derivative
        AssertionError e = null;
        try {
            check("wrong", x, fwd, y, ref.raw(r), dx);
        } catch (AssertionError caught) {
            e = caught;
        }
        assertTrue(e != null, "a wrong gradient must fail the check");
    }
}
