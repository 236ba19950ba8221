package io.github.clconv.verify;

import io.github.clconv.backend.Tolerance;
import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Agreement checks for batch normalisation (1d and 2d) and the optimiser steps. */
final class NormOptimCases {
    private NormOptimCases() {
    }

    static OpFamily.Check batchNorm(boolean twoD) {
        String name = twoD ? "batchnorm2d" : "batchnorm1d";
        return (p, rnd, i) -> {
            int n = (i == 0 ? 1 : 0) + Shapes.size(rnd, 9) + 1, c = Shapes.size(rnd, 21);
            Shape s = twoD ? Shape.of(n, c, Shapes.size(rnd, 9), Shapes.size(rnd, 10)) : Shape.of(n, c);
            Shape ch = Shape.of(c);
            Buf[] x = p.normal(s, rnd), gamma = p.uniform(ch, rnd, 0.5f, 1.5f), beta = p.normal(ch, rnd);
            Buf[] rm = p.normal(ch, rnd), rv = p.uniform(ch, rnd, 0.5f, 2f);
            Buf[] y = p.zeros(s), mean = p.zeros(ch), inv = p.zeros(ch);
            long m = s.size() / c;
            p.run((b, side) -> b.batchNormTrainForward(x[side], gamma[side], beta[side], rm[side], rv[side], 0.1f, 1e-5f, y[side], mean[side], inv[side]));
            List<CheckResult> out = new ArrayList<>();
            // statistics are sums of m terms; a badly conditioned channel would need more, random data does not
            out.add(p.compare(name + ".train_forward", s.toString(), Tolerance.reduction(m), y, mean, inv, rm, rv));
            Buf[] yi = p.zeros(s);
            p.run((b, side) -> b.batchNormInferForward(x[side], gamma[side], beta[side], rm[side], rv[side], 1e-5f, yi[side]));
            out.add(p.compare(name + ".infer_forward", s.toString(), Tolerance.TRANSCENDENTAL, yi));
            Buf[] dy = p.normal(s, rnd), dx = p.zeros(s), dg = p.zeros(ch), db = p.zeros(ch);
            p.run((b, side) -> b.batchNormBackward(x[side], gamma[side], mean[side], inv[side], dy[side], dx[side], dg[side], db[side]));
            out.add(p.compare(name + ".backward", s.toString(), Tolerance.reduction(m) * 4, dx, dg, db));
            return out;
        };
    }

    /**
     * Group normalisation in its four uses, by case: GroupNorm (groups a divisor of C), InstanceNorm
     * (groups = C), GroupNorm(1) and LayerNorm (groups = 1, gamma and beta per element of a sample),
     * images and flat inputs, shapes that are multiples of nothing.
     */
    static List<CheckResult> groupNorm(Pair p, Random rnd, int i) {
        int n = 1 + Shapes.size(rnd, 7), kind = i % 4;
        int groups = 1 + rnd.nextInt(5), c = kind == 1 ? Shapes.size(rnd, 13) : groups * Shapes.size(rnd, 7);
        groups = kind == 1 ? c : kind >= 2 ? 1 : groups;
        boolean flat = kind == 3 && i % 8 == 7;
        c = flat ? c + 1 : c; // LayerNorm over one feature is beta alone, and its 1/sqrt(eps) = 316 only tests rsqrt's last bits
        Shape s = flat ? Shape.of(n, c) : Shape.of(n, c, Shapes.size(rnd, 11), Shapes.size(rnd, 12));
        Shape affine = kind == 3 ? (flat ? Shape.of(c) : Shape.of(c, s.dim(2), s.dim(3))) : Shape.of(c);
        Shape stats = Shape.of(n * groups);
        String what = s + " groups=" + groups + (kind == 3 ? " elementwise affine" : "");
        int g = groups;
        Buf[] x = p.normal(s, rnd), gamma = p.uniform(affine, rnd, 0.5f, 1.5f), beta = p.normal(affine, rnd);
        Buf[] y = p.zeros(s), mean = p.zeros(stats), inv = p.zeros(stats);
        p.run((b, side) -> b.groupNormForward(x[side], g, gamma[side], beta[side], 1e-5f, y[side], mean[side], inv[side]));
        long m = s.size() / n / groups;
        List<CheckResult> out = new ArrayList<>();
        out.add(p.compare("groupnorm.forward", what, Tolerance.reduction(m), y, mean, inv));
        Buf[] dy = p.normal(s, rnd), dx = p.zeros(s), dg = p.zeros(affine), db = p.zeros(affine);
        p.run((b, side) -> b.groupNormBackward(x[side], g, gamma[side], mean[side], inv[side], dy[side], dx[side], dg[side], db[side]));
        out.add(p.compare("groupnorm.backward", what, Tolerance.reduction(Math.max(m, (long) n * s.size() / n / c)) * 4, dx, dg, db));
        return out;
    }

    /**
     * Batch norm with the ReLU (even cases) or ReLU6 (odd cases) fused, the device's one pass,
     * against the reference's bn then the activation; ReLU6's cases shift and scale so that many
     * outputs pass 6.
     */
    static List<CheckResult> batchNormRelu(Pair p, Random rnd, int i) {
        Activation act = i % 2 == 0 ? Activation.RELU : Activation.RELU6;
        float lo = act == Activation.RELU6 ? 2f : 0.5f, hi = act == Activation.RELU6 ? 6f : 1.5f;
        int n = 1 + Shapes.size(rnd, 9), c = Shapes.size(rnd, 21);
        Shape s = Shape.of(n, c, Shapes.size(rnd, 9), Shapes.size(rnd, 10)), ch = Shape.of(c);
        Buf[] x = p.normal(s, rnd), gamma = p.uniform(ch, rnd, lo, hi), beta = act == Activation.RELU6 ? p.uniform(ch, rnd, 1f, 5f) : p.normal(ch, rnd);
        Buf[] rm = p.normal(ch, rnd), rv = p.uniform(ch, rnd, 0.5f, 2f);
        Buf[] y = p.zeros(s), mean = p.zeros(ch), inv = p.zeros(ch);
        long m = s.size() / c;
        String what = s + " " + act.token;
        p.run((b, side) -> b.batchNormReluTrainForward(x[side], gamma[side], beta[side], rm[side], rv[side], 0.1f, 1e-5f, y[side], mean[side], inv[side], act));
        List<CheckResult> out = new ArrayList<>();
        out.add(p.compare("batchnorm_relu.train_forward", what, Tolerance.reduction(m), y, mean, inv, rm, rv));
        Buf[] yi = p.zeros(s);
        p.run((b, side) -> b.batchNormReluInferForward(x[side], gamma[side], beta[side], rm[side], rv[side], 1e-5f, yi[side], act));
        out.add(p.compare("batchnorm_relu.infer_forward", what, Tolerance.TRANSCENDENTAL, yi));
        // both sides take the device's forward output, so that the activation's mask is the same
        Buf[] yDev = p.data(s, p.dev.download(y[0]));
        Buf[] dy = p.normal(s, rnd), dx = p.zeros(s), dg = p.zeros(ch), db = p.zeros(ch);
        p.run((b, side) -> b.batchNormReluBackward(x[side], gamma[side], mean[side], inv[side], yDev[side], dy[side], dx[side], dg[side], db[side], act));
        out.add(p.compare("batchnorm_relu.backward", what, Tolerance.reduction(m) * 4, dx, dg, db));
        return out;
    }

    private static final int STEPS = 3;

    static List<CheckResult> l1(Pair p, Random rnd, int i) {
        Shape s = Shape.of(Shapes.size(rnd, 3000));
        float lambda = 1e-4f + rnd.nextFloat() * 0.01f;
        float[] w = new float[s.size()];
        for (int k = 0; k < w.length; k++) {
            w[k] = i % 2 == 1 && k % 3 == 0 ? 0f : (float) rnd.nextGaussian(); // exact zeros too, whose sign is 0
        }
        Buf[] param = p.data(s, w), g = p.normal(s, rnd);
        p.run((b, side) -> b.l1Gradient(param[side], g[side], lambda));
        return List.of(p.compare("l1_gradient", s + String.format(java.util.Locale.ROOT, " lambda=%.4f%s", lambda, i % 2 == 1 ? " with zeros" : ""),
                Tolerance.EXACT, g));
    }

    static OpFamily.Check sgd(boolean momentum, boolean nesterov) {
        String name = nesterov ? "sgd_nesterov" : momentum ? "sgd_momentum" : "sgd";
        return (p, rnd, i) -> {
            Shape s = Shape.of(Shapes.size(rnd, 3000));
            float lr = 0.001f + rnd.nextFloat() * 0.1f, m = momentum ? 0.9f : 0f, wd = i % 2 == 0 ? 0f : 5e-4f;
            Buf[] param = p.normal(s, rnd), v = p.zeros(s);
            for (int t = 0; t < STEPS; t++) {
                Buf[] g = p.normal(s, rnd);
                p.run((b, side) -> b.sgdUpdate(param[side], g[side], v[side], lr, m, wd, nesterov));
            }
            return List.of(p.compare(name, s + String.format(java.util.Locale.ROOT, " lr=%.3f wd=%.0e, %d steps", lr, wd, STEPS), Tolerance.TRANSCENDENTAL, param, v));
        };
    }

    static List<CheckResult> adagrad(Pair p, Random rnd, int i) {
        Shape s = Shape.of(Shapes.size(rnd, 3000));
        float lr = 0.001f + rnd.nextFloat() * 0.1f, wd = i % 2 == 0 ? 0f : 5e-4f;
        Buf[] param = p.normal(s, rnd), sum = p.zeros(s);
        for (int t = 0; t < STEPS; t++) {
            Buf[] g = p.normal(s, rnd);
            p.run((b, side) -> b.adagradUpdate(param[side], g[side], sum[side], lr, wd, 1e-10f));
        }
        return List.of(p.compare("adagrad", s + String.format(java.util.Locale.ROOT, " lr=%.3f wd=%.0e, %d steps", lr, wd, STEPS), Tolerance.TRANSCENDENTAL, param, sum));
    }

    static List<CheckResult> adam(Pair p, Random rnd, int i) {
        Shape s = Shape.of(Shapes.size(rnd, 3000));
        float lr = 0.0001f + rnd.nextFloat() * 0.01f, wd = i % 2 == 0 ? 0f : i % 4 == 1 ? 5e-4f : 0.05f;
        boolean decoupled = i % 4 == 3; // AdamW
        Buf[] param = p.normal(s, rnd), m = p.zeros(s), v = p.zeros(s);
        for (int t = 1; t <= STEPS; t++) {
            Buf[] g = p.normal(s, rnd);
            int step = t;
            p.run((b, side) -> b.adamUpdate(param[side], g[side], m[side], v[side], lr, 0.9f, 0.999f, 1e-8f, wd, decoupled, step));
        }
        return List.of(p.compare(decoupled ? "adamw" : "adam", s + String.format(java.util.Locale.ROOT, " lr=%.4f wd=%.0e, %d steps", lr, wd, STEPS),
                Tolerance.TRANSCENDENTAL, param, m, v));
    }
}
