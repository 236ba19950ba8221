/*
 * norm.cl — batch normalisation over x [N, C, P] (P = H*W, or 1 for BatchNorm1d).
 *
 * Statistics per channel c over the M = N*P values x[n, c, p]: one work-group per
 * channel, each work-item summing a strided share in which consecutive work-items read
 * consecutive addresses, then reduction.h's tree: deterministic. Two passes (mean, then
 * variance). Biased variance normalises; the unbiased one enters the running
 * estimate (PyTorch). act fuses the activation that follows: 1 ReLU (bn_apply clamps its
 * output at 0, backward lets dy through only where that output y is > 0), 2 ReLU6 (clamped
 * to [0, 6], dy through where 0 < y < 6, as PyTorch's hardtanh backward).
 */

#include "reduction.h"

#define BN_ACT(v, act) ((act) == 2 ? fmin(fmax((v), 0.0f), 6.0f) : (act) ? fmax((v), 0.0f) : (v))
#define BN_CUT(y, act) ((act) && ((y) <= 0.0f || ((act) == 2 && (y) >= 6.0f)))

/* Nonzero in the lanes where the fused activation stopped the gradient (act != 0). */
inline int16 bn_cut16(float16 y, int act) {
    const int16 below = y <= 0.0f;
    return act == 2 ? below | (y >= 6.0f) : below;
}

kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void bn_stats(global const float* x, global float* mean_out, global float* invstd_out,
              global float* run_mean, global float* run_var, float momentum, float eps, int N, int C, int P) {
    local float s[RED];
    const int c = get_group_id(0), l = get_local_id(0);
    const int M = N * P;
    float part = 0.0f;
    for (int j = l; j < M; j += RED) {
        const int n = j / P;
        part += x[(n * C + c) * P + (j - n * P)];
    }
    const float mean = group_sum(s, part) / (float)M;
    part = 0.0f;
    for (int j = l; j < M; j += RED) {
        const int n = j / P;
        const float d = x[(n * C + c) * P + (j - n * P)] - mean;
        part += d * d;
    }
    const float var = group_sum(s, part) / (float)M;
    if (l == 0) {
        mean_out[c] = mean;
        invstd_out[c] = rsqrt(var + eps);
        run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * mean;
        run_var[c] = (1.0f - momentum) * run_var[c] + momentum * (M > 1 ? var * (float)M / (float)(M - 1) : var);
    }
}

/* y = (x - mean[c]) * invstd[c] * gamma[c] + beta[c]; infer=1 takes mean/var from the running
   estimate. One work-item per element. */
kernel void bn_apply(global const float* x, global const float* mean, global const float* stat2,
                     global const float* gamma, global const float* beta, global float* y,
                     int infer, int act, float eps, int C, int P, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int c = (e / P) % C;
    const float inv = infer ? rsqrt(stat2[c] + eps) : stat2[c];
    const float scale = inv * gamma[c];
    const float v = x[e] * scale + (beta[c] - mean[c] * scale);
    y[e] = BN_ACT(v, act);
}

/* dgamma[c] = sum dy * xhat, dbeta[c] = sum dy; one work-group per channel as in bn_stats. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void bn_backward_reduce(global const float* x, global const float* dy, global const float* y, int act, global const float* mean,
                        global const float* invstd, global float* dgamma, global float* dbeta, int N, int C, int P) {
    local float s[RED];
    const int c = get_group_id(0), l = get_local_id(0);
    const int M = N * P;
    const float mc = mean[c];
    float a = 0.0f, b = 0.0f;
    for (int j = l; j < M; j += RED) {
        const int n = j / P;
        const int o = (n * C + c) * P + (j - n * P);
        const float g = BN_CUT(y[o], act) ? 0.0f : dy[o];
        a += g;
        b += g * (x[o] - mc);
    }
    const float sdy = group_sum(s, a);
    const float sdyx = group_sum(s, b);
    if (l == 0) {
        dgamma[c] = sdyx * invstd[c];
        dbeta[c] = sdy;
    }
}

/* dx = gamma * invstd / M * (M*dy - sum dy - xhat * sum dy*xhat); one work-item per element. */
kernel void bn_backward_apply(global const float* x, global const float* dy, global const float* y, int act, global const float* mean,
                              global const float* invstd, global const float* gamma, global const float* dgamma,
                              global const float* dbeta, global float* dx, int N, int C, int P, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int c = (e / P) % C;
    const float M = (float)(N * P);
    const float xhat = (x[e] - mean[c]) * invstd[c];
    const float g = BN_CUT(y[e], act) ? 0.0f : dy[e];
    dx[e] = gamma[c] * invstd[c] / M * (M * g - dbeta[c] - xhat * dgamma[c]);
}

/* bn_stats and bn_backward_reduce with one work-item per channel walking its N planes in order in
   16-wide vectors (no index division per element, no add waiting on the one before; CPU runtimes,
   MovementTuner chooses). Where work-items run one after another a work-group per channel gained
   nothing from more of them, and its tree sum over 256 work-items took a third of the kernel's time.
   A fixed order again: deterministic. Global C, work-groups of one. */
kernel void bn_stats_rows(global const float* x, global float* mean_out, global float* invstd_out,
                          global float* run_mean, global float* run_var, float momentum, float eps, int N, int C, int P) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    const int M = N * P;
    float part = 0.0f;
    for (int n = 0; n < N; n++) {
        part += plane_sum(x + ((long)n * C + c) * P, P, 0.0f, 0);
    }
    const float mean = part / (float)M;
    part = 0.0f;
    for (int n = 0; n < N; n++) {
        part += plane_sum(x + ((long)n * C + c) * P, P, mean, 1);
    }
    const float var = part / (float)M;
    mean_out[c] = mean;
    invstd_out[c] = rsqrt(var + eps);
    run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * mean;
    run_var[c] = (1.0f - momentum) * run_var[c] + momentum * (M > 1 ? var * (float)M / (float)(M - 1) : var);
}

kernel void bn_backward_reduce_rows(global const float* x, global const float* dy, global const float* y, int act, global const float* mean,
                                    global const float* invstd, global float* dgamma, global float* dbeta, int N, int C, int P) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    const float mc = mean[c];
    float a = 0.0f, b = 0.0f;
    for (int n = 0; n < N; n++) {
        const long o = ((long)n * C + c) * P;
        float16 a16 = 0.0f, b16 = 0.0f;
        int p = 0;
        for (; p + 16 <= P; p += 16) {
            float16 g = vload16(0, dy + o + p);
            if (act) {
                g = select(g, (float16)(0.0f), bn_cut16(vload16(0, y + o + p), act));
            }
            a16 += g;
            b16 += g * (vload16(0, x + o + p) - mc);
        }
        float a0 = 0.0f, b0 = 0.0f;
        for (; p < P; p++) {
            const float g = BN_CUT(y[o + p], act) ? 0.0f : dy[o + p];
            a0 += g;
            b0 += g * (x[o + p] - mc);
        }
        a += hsum16(a16) + a0;
        b += hsum16(b16) + b0;
    }
    dgamma[c] = b * invstd[c];
    dbeta[c] = a;
}

/* bn_apply with a work-item per (image, channel) plane of P values: no index division per
   element, and the plane is walked in order (CPU runtimes; MovementTuner chooses). */
kernel void bn_apply_rows(global const float* x, global const float* mean, global const float* stat2,
                          global const float* gamma, global const float* beta, global float* y,
                          int infer, int act, float eps, int C, int P, int planes) {
    const int r = get_global_id(0);
    if (r >= planes) {
        return;
    }
    const int c = r % C;
    const float inv = infer ? rsqrt(stat2[c] + eps) : stat2[c];
    const float scale = inv * gamma[c], shift = beta[c] - mean[c] * scale;
    global const float* xp = x + (long)r * P;
    global float* yp = y + (long)r * P;
    int p = 0;
    for (; p + 16 <= P; p += 16) {
        const float16 v = vload16(0, xp + p) * scale + shift;
        vstore16(BN_ACT(v, act), 0, yp + p);
    }
    for (; p < P; p++) {
        const float v = xp[p] * scale + shift;
        yp[p] = BN_ACT(v, act);
    }
}

/* bn_backward_apply with a work-item per plane. */
kernel void bn_backward_apply_rows(global const float* x, global const float* dy, global const float* y, int act, global const float* mean,
                                   global const float* invstd, global const float* gamma, global const float* dgamma,
                                   global const float* dbeta, global float* dx, int N, int C, int P, int planes) {
    const int r = get_global_id(0);
    if (r >= planes) {
        return;
    }
    const int c = r % C;
    const float M = (float)(N * P), mc = mean[c], ic = invstd[c];
    const float k = gamma[c] * ic / M, db = dbeta[c], dg = dgamma[c];
    const long o = (long)r * P;
    int p = 0;
    for (; p + 16 <= P; p += 16) {
        float16 g = vload16(0, dy + o + p);
        if (act) {
            g = select(g, (float16)(0.0f), bn_cut16(vload16(0, y + o + p), act));
        }
        const float16 xhat = (vload16(0, x + o + p) - mc) * ic;
        vstore16(k * (M * g - db - xhat * dg), 0, dx + o + p);
    }
    for (; p < P; p++) {
        const float g = BN_CUT(y[o + p], act) ? 0.0f : dy[o + p];
        const float xhat = (x[o + p] - mc) * ic;
        dx[o + p] = k * (M * g - db - xhat * dg);
    }
}
