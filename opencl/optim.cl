/*
 * optim.cl — optimiser steps over flat parameter buffers, as torch.optim computes them.
 * Weight decay is L2: it is added to the gradient before anything else.
 */

/* L1 regularisation: g += lambda * sign(p), the gradient of lambda * sum |p| (sign(0) = 0, as torch.sign). */
kernel void l1_gradient(global const float* p, global float* g, float lambda, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float v = p[i];
    g[i] += lambda * (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f);
}

kernel void sgd_step(global float* p, global const float* g, global float* v, float lr, float momentum,
                     float wd, int nesterov, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float grad = g[i] + wd * p[i];
    if (momentum == 0.0f) {
        p[i] -= lr * grad;
        return;
    }
    const float vel = momentum * v[i] + grad;
    v[i] = vel;
    p[i] -= lr * (nesterov ? grad + momentum * vel : vel);
}

kernel void adagrad_step(global float* p, global const float* g, global float* sum, float lr, float wd, float eps, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float grad = g[i] + wd * p[i];
    const float s = sum[i] + grad * grad;
    sum[i] = s;
    p[i] -= lr * grad / (sqrt(s) + eps);
}

/* c1 = 1 - beta1^step, c2 = 1 - beta2^step: the bias corrections, computed on the host.
   decoupled (AdamW): the weight decay shrinks p directly, p *= 1 - lr*wd, instead of
   entering the gradient (Adam's L2 form). */
kernel void adam_step(global float* p, global const float* g, global float* m, global float* v, float lr,
                      float beta1, float beta2, float eps, float wd, float c1, float c2, int decoupled, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    if (decoupled) {
        p[i] *= 1.0f - lr * wd;
    }
    const float grad = decoupled ? g[i] : g[i] + wd * p[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * grad;
    const float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * (mi / c1) / (sqrt(vi / c2) + eps);
}
