package io.github.clconv.verify;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Tolerance;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/** Agreement checks for activations, softmax, the losses and dropout. */
final class ElementwiseCases {
    private ElementwiseCases() {
    }

    private static Shape anyShape(Random rnd) {
        return rnd.nextBoolean()
                ? Shape.of(Shapes.size(rnd, 5), Shapes.size(rnd, 7), Shapes.size(rnd, 9), Shapes.size(rnd, 11))
                : Shape.of(Shapes.size(rnd, 37), Shapes.size(rnd, 301));
    }

    static OpFamily.Check activation(Activation a) {
        String name = a.name().toLowerCase(java.util.Locale.ROOT).replace("_", "");
        double tol = a == Activation.RELU || a == Activation.LEAKY_RELU || a == Activation.RELU6 ? Tolerance.EXACT : Tolerance.TRANSCENDENTAL;
        return (p, rnd, i) -> {
            Shape s = anyShape(rnd);
            float alpha = a == Activation.LEAKY_RELU ? 0.01f + 0.3f * rnd.nextFloat() : 0f;
            // every third case also reaches softplus's threshold (20) and the far tails, where exp overflows a naive formula,
            // and ReLU6's upper corner
            boolean wide = i % 3 == 2 && (a == Activation.SOFTPLUS || a == Activation.SILU || a == Activation.MISH || a == Activation.RELU6);
            Buf[] x = wide ? p.uniform(s, rnd, -40, 40) : p.normal(s, rnd), y = p.zeros(s);
            p.run((b, side) -> b.activationForward(a, alpha, x[side], y[side]));
            CheckResult fwd = p.compare(name + ".forward", s + (wide ? " x in [-40,40]" : ""), tol, y);
            Buf[] dy = p.normal(s, rnd), dx = p.zeros(s);
            // both sides take the same forward output (the device's), so only the backward formula is compared
            Buf[] yDev = p.data(s, p.dev.download(y[0]));
            p.run((b, side) -> b.activationBackward(a, alpha, x[side], yDev[side], dy[side], dx[side]));
            return List.of(fwd, p.compare(name + ".backward", s.toString(), tol, dx));
        };
    }

    /** PReLU over images and flat inputs, slopes of both signs, a zero among the inputs. */
    static List<CheckResult> prelu(Pair p, Random rnd, int i) {
        int n = 1 + Shapes.size(rnd, 9), c = Shapes.size(rnd, 17);
        Shape s = i % 3 == 2 ? Shape.of(n, c) : Shape.of(n, c, Shapes.size(rnd, 13), Shapes.size(rnd, 11)), ch = Shape.of(c);
        Buf[] x = p.normal(s, rnd), a = p.uniform(ch, rnd, -0.5f, 0.5f), y = p.zeros(s);
        p.run((b, side) -> b.preluForward(x[side], a[side], y[side]));
        CheckResult fwd = p.compare("prelu.forward", s.toString(), Tolerance.EXACT, y);
        Buf[] dy = p.normal(s, rnd), dx = p.zeros(s), da = p.zeros(ch);
        p.run((b, side) -> b.preluBackward(x[side], a[side], dy[side], dx[side], da[side]));
        return List.of(fwd, p.compare("prelu.backward", s.toString(), Tolerance.reduction((long) s.size() / c), dx, da));
    }

    static OpFamily.Check softmax(boolean log) {
        String name = log ? "logsoftmax" : "softmax";
        return (p, rnd, i) -> {
            Shape s = Shape.of(Shapes.size(rnd, 40), Shapes.size(rnd, 120));
            float scale = i % 4 == 3 ? 1e4f : 3f;
            Buf[] x = p.uniform(s, rnd, -scale, scale), y = p.zeros(s);
            p.run((b, side) -> b.softmaxForward(x[side], y[side], log));
            CheckResult fwd = p.compare(name + ".forward", s + (scale > 10 ? " logits~1e4" : ""), Tolerance.TRANSCENDENTAL, y);
            // backward takes a softmax of moderate logits: with near one-hot rows, dy - sum(dy*y)
            // cancels and float32 cannot resolve the difference, whatever the kernel does
            Buf[] xm = p.uniform(s, rnd, -3f, 3f), ym = p.zeros(s);
            p.dev.softmaxForward(xm[0], ym[0], log);
            Buf[] yIn = p.data(s, p.dev.download(ym[0]));
            Buf[] dy = p.normal(s, rnd), dx = p.zeros(s);
            p.run((b, side) -> b.softmaxBackward(yIn[side], dy[side], dx[side], log));
            return List.of(fwd, p.compare(name + ".backward", s.toString(), Tolerance.reduction(s.dim(1)), dx));
        };
    }

    static List<CheckResult> xent(Pair p, Random rnd, int i) {
        int n = Shapes.size(rnd, 70), c = 1 + Shapes.size(rnd, 30);
        float scale = i % 4 == 3 ? 1e4f : 4f;
        Shape s = Shape.of(n, c);
        int[] labels = rnd.ints(n, 0, c).toArray();
        Buf[] x = p.uniform(s, rnd, -scale, scale), lab = {p.dev.uploadLabels(labels, c), p.ref.uploadLabels(labels, c)};
        Buf[] probs = p.zeros(s), loss = p.zeros(Shape.of(1));
        float smoothing = i % 3 == 2 ? 0.1f : 0f;
        p.run((b, side) -> b.softmaxXentForward(x[side], lab[side], smoothing, probs[side], loss[side]));
        String shape = s + (scale > 10 ? " logits~1e4" : "") + (smoothing > 0 ? " smoothing 0.1" : "");
        // the mean over rows adds a sum of n terms to the per-row log-sum-exp error
        CheckResult fwd = p.compare("softmax_xent.forward", shape, Tolerance.TRANSCENDENTAL + Tolerance.reduction(n), probs, loss);
        Buf[] dl = p.zeros(s);
        p.run((b, side) -> b.softmaxXentBackward(probs[side], lab[side], smoothing, dl[side]));
        CheckResult bwd = p.compare("softmax_xent.backward", shape, Tolerance.TRANSCENDENTAL, dl);
        lab[0].close();
        lab[1].close();
        return List.of(fwd, bwd);
    }

    /** In place as well (y = a), as a gradient that reaches a tensor along two paths is summed; with a ReLU or ReLU6 epilogue. */
    static List<CheckResult> add(Pair p, Random rnd, int i) {
        Shape s = anyShape(rnd);
        Activation act = i % 3 == 1 ? Activation.RELU : i % 3 == 2 ? Activation.RELU6 : null;
        Buf[] a = act == Activation.RELU6 ? p.uniform(s, rnd, -8f, 8f) : p.normal(s, rnd), c = p.normal(s, rnd), y = p.zeros(s); // ReLU6: sums past 6 too
        boolean inPlace = i % 2 == 1;
        p.run((b, side) -> b.add(a[side], c[side], act, inPlace ? a[side] : y[side]));
        return List.of(p.compare("add", s + (inPlace ? " in place" : "") + (act == null ? "" : " +" + act.token), Tolerance.EXACT, inPlace ? a : y));
    }

    /** A slice of channels into another tensor, between flat [N, C] and image tensors; the rest of dst stays. */
    static List<CheckResult> copyChannels(Pair p, Random rnd, int i) {
        int n = Shapes.size(rnd, 5), sc = Shapes.size(rnd, 9), dc = Shapes.size(rnd, 11);
        boolean flat = i % 3 == 2;
        int h = flat ? 0 : Shapes.size(rnd, 9), w = flat ? 0 : Shapes.size(rnd, 9);
        int count = 1 + rnd.nextInt(Math.min(sc, dc)), s0 = rnd.nextInt(sc - count + 1), d0 = rnd.nextInt(dc - count + 1);
        Shape ss = flat ? Shape.of(n, sc) : Shape.of(n, sc, h, w), ds = flat ? Shape.of(n, dc) : Shape.of(n, dc, h, w);
        Buf[] src = p.normal(ss, rnd), dst = p.normal(ds, rnd);
        p.run((b, side) -> b.copyChannels(src[side], s0, dst[side], d0, count));
        return List.of(p.compare("copy_channels", ss + " [" + s0 + "+" + count + ") to " + ds + " at " + d0, Tolerance.EXACT, dst));
    }

    static List<CheckResult> mse(Pair p, Random rnd, int i) {
        Shape s = anyShape(rnd);
        Buf[] y = p.normal(s, rnd), t = p.normal(s, rnd), loss = p.zeros(Shape.of(1)), dy = p.zeros(s);
        p.run((b, side) -> b.mseForward(y[side], t[side], loss[side]));
        CheckResult fwd = p.compare("mse.forward", s.toString(), Tolerance.reduction(s.size()), loss);
        p.run((b, side) -> b.mseBackward(y[side], t[side], dy[side]));
        return List.of(fwd, p.compare("mse.backward", s.toString(), Tolerance.EXACT, dy));
    }

    /** Flip and crop choices must agree bit for bit: a wrong one moves whole rows, far outside EXACT. */
    static List<CheckResult> augment(Pair p, Random rnd, int i) {
        Shape s = Shape.of(Shapes.size(rnd, 9), Shapes.size(rnd, 4), Shapes.size(rnd, 13), Shapes.size(rnd, 13));
        boolean hflip = i % 3 != 1;
        int pad = i % 4;
        long seed = rnd.nextLong();
        Buf[] x = p.normal(s, rnd), y = p.zeros(s);
        p.run((b, side) -> b.augment(x[side], hflip, pad, seed, y[side]));
        return List.of(p.compare("augment", s + (hflip ? " hflip" : "") + " pad " + pad, Tolerance.EXACT, y));
    }

    static List<CheckResult> dropout(Pair p, Random rnd, int i) {
        Shape s = anyShape(rnd);
        float prob = i % 5 == 0 ? 0f : rnd.nextFloat() * 0.9f;
        long seed = rnd.nextLong();
        Buf[] x = p.normal(s, rnd), mask = p.zeros(s), y = p.zeros(s);
        p.run((b, side) -> b.dropoutForward(x[side], prob, seed, mask[side], y[side]));
        // a mask entry that differs is 0 against 1/(1-p): far outside EXACT, so masks must agree bit for bit
        String shape = s + String.format(java.util.Locale.ROOT, " p=%.3f", prob);
        CheckResult fwd = p.compare("dropout.forward", shape, Tolerance.EXACT, mask, y);
        Buf[] dy = p.normal(s, rnd), dx = p.zeros(s);
        p.run((b, side) -> b.dropoutBackward(dy[side], mask[side], dx[side]));
        return List.of(fwd, p.compare("dropout.backward", shape, Tolerance.EXACT, dx));
    }
}
