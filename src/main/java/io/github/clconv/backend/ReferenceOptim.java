package io.github.clconv.backend;

/** Reference optimiser steps, as torch.optim's SGD, Adagrad and Adam (L2 weight decay added to the gradient). */
final class ReferenceOptim {
    private ReferenceOptim() {
    }

    static void l1Gradient(double[] p, double[] g, double lambda) {
        for (int i = 0; i < p.length; i++) {
            g[i] += lambda * Math.signum(p[i]);
        }
    }

    static void sgd(double[] p, double[] g, double[] v, double lr, double momentum, double wd, boolean nesterov) {
        for (int i = 0; i < p.length; i++) {
            double grad = g[i] + wd * p[i];
            if (momentum == 0) {
                p[i] -= lr * grad;
                continue;
            }
            v[i] = momentum * v[i] + grad;
            p[i] -= lr * (nesterov ? grad + momentum * v[i] : v[i]);
        }
    }

    static void adagrad(double[] p, double[] g, double[] sum, double lr, double wd, double eps) {
        for (int i = 0; i < p.length; i++) {
            double grad = g[i] + wd * p[i];
            sum[i] += grad * grad;
            p[i] -= lr * grad / (Math.sqrt(sum[i]) + eps);
        }
    }

    /** decoupled: AdamW (torch.optim.AdamW), p *= 1 - lr*wd before the step; else Adam's L2 term in the gradient. */
    static void adam(double[] p, double[] g, double[] m, double[] v, double lr, double b1, double b2, double eps, double wd, boolean decoupled,
                     int step) {
        double c1 = 1 - Math.pow(b1, step), c2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < p.length; i++) {
            if (decoupled) {
                p[i] *= 1 - lr * wd;
            }
            double grad = decoupled ? g[i] : g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * grad;
            v[i] = b2 * v[i] + (1 - b2) * grad * grad;
            p[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps);
        }
    }
}
