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

/* bn_stats and bn_backward_reduce where work-items run one after another (CPU runtimes; MovementTuner
   chooses): a pass over contiguous planes, per plane q0 .. q0+per-1 of a work-item, writes each
   (image, channel) plane's partial results, and a work-item per channel then combines its N planes
   in order (deterministic). One work-item per channel walking its N planes had read 3 KB pieces
   50 KB apart (resnet20's 16-channel layers at batch 64), 29-38 GB/s; a work-group per channel
   gained nothing from more work-items, and its tree sum took a third of the kernel's time.
   Work-groups of one. */

/* part[2q], part[2q+1]: plane q's mean and sum of squared deviations from it (the plane read twice,
   the second time from the cache). */
kernel void bn_stats_planes(global const float* x, global float* part, int C, int P, int planes, int per) {
    const int q0 = get_global_id(0) * per, q1 = min(planes, q0 + per);
    for (int q = q0; q < q1; q++) {
        global const float* v = x + (long)q * P;
        const float m = plane_sum(v, P, 0.0f, 0) / (float)P;
        part[2 * q] = m;
        part[2 * q + 1] = plane_sum(v, P, m, 1);
    }
}

/* Channel c's mean and variance from its N planes' partials, merged in order (Chan et al.: the
   means' differences carry the spread between planes, no cancellation of large squares). */
kernel void bn_stats_merge(global const float* part, global float* mean_out, global float* invstd_out,
                           global float* run_mean, global float* run_var, float momentum, float eps, int N, int C, int P) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    float mean = part[2 * c], m2 = part[2 * c + 1];
    for (int n = 1; n < N; n++) {
        const int q = n * C + c;
        const float d = part[2 * q] - mean, seen = (float)n * P, total = seen + P;
        mean += d * (P / total);
        m2 += part[2 * q + 1] + d * d * (seen * P / total);
    }
    const int M = N * P;
    const float var = m2 / (float)M;
    mean_out[c] = mean;
    invstd_out[c] = rsqrt(var + eps);
    run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * mean;
    run_var[c] = (1.0f - momentum) * run_var[c] + momentum * (M > 1 ? var * (float)M / (float)(M - 1) : var);
}

/* part[2q], part[2q+1]: plane q's sums of g and of g * (x - mean), g being dy where the fused
   activation let it through. */
kernel void bn_backward_planes(global const float* x, global const float* dy, global const float* y, int act, global const float* mean,
                               global float* part, int C, int P, int planes, int per) {
    const int q0 = get_global_id(0) * per, q1 = min(planes, q0 + per);
    for (int q = q0; q < q1; q++) {
        const float mc = mean[q % C];
        const long o = (long)q * P;
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
        part[2 * q] = hsum16(a16) + a0;
        part[2 * q + 1] = hsum16(b16) + b0;
    }
}

/* dgamma, dbeta of channel c: its N planes' partials summed in order. */
kernel void bn_backward_merge(global const float* part, global const float* invstd, global float* dgamma, global float* dbeta, int N, int C) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    float a = 0.0f, b = 0.0f;
    for (int n = 0; n < N; n++) {
        a += part[2 * (n * C + c)];
        b += part[2 * (n * C + c) + 1];
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
