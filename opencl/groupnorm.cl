/*
 * groupnorm.cl — group normalisation of x [N, C, S] (S = H*W, or 1 for a flat input) in G
 * groups of CG = C/G channels per sample: GroupNorm(G), InstanceNorm (G = C) and LayerNorm
 * (G = 1). Group g of sample n is the M = CG*S contiguous values from (n*G + g)*M:
 *
 *     x:  | n0 g0 (M values) | n0 g1 | ... | n1 g0 | ...      stats[n*G + g]
 *
 * The affine gamma, beta is per channel (length C: GroupNorm, InstanceNorm) or per element
 * of a sample (length C*S: LayerNorm's elementwise affine); elementwise = 1 says which.
 * Statistics and dx are one work-group per group, reduction.h's tree sum, so results are
 * deterministic; biased variance, as PyTorch; no running statistics.
 */

#include "reduction.h"

/* Which gamma/beta element x's flat index i takes. */
inline int affine_index(long i, int C, int S, int elementwise) {
    return elementwise ? (int)(i % ((long)C * S)) : (int)((i / S) % C);
}

kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void gn_stats(global const float* x, global float* mean_out, global float* invstd_out, float eps, int M) {
    local float s[RED];
    const int ng = get_group_id(0), l = get_local_id(0);
    global const float* v = x + (long)ng * M;
    float part = 0.0f;
    for (int j = l; j < M; j += RED) {
        part += v[j];
    }
    const float mean = group_sum(s, part) / (float)M;
    part = 0.0f;
    for (int j = l; j < M; j += RED) {
        const float d = v[j] - mean;
        part += d * d;
    }
    const float var = group_sum(s, part) / (float)M;
    if (l == 0) {
        mean_out[ng] = mean;
        invstd_out[ng] = rsqrt(var + eps);
    }
}

kernel void gn_apply(global const float* x, global const float* mean, global const float* invstd, global const float* gamma,
                     global const float* beta, global float* y, int C, int S, int M, int elementwise, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const int ng = i / M, a = affine_index(i, C, S, elementwise);
    y[i] = (x[i] - mean[ng]) * invstd[ng] * gamma[a] + beta[a];
}

/* dx of one group: invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void gn_backward(global const float* x, global const float* dy, global const float* mean, global const float* invstd,
                 global const float* gamma, global float* dx, int C, int S, int M, int elementwise) {
    local float s[RED];
    const int ng = get_group_id(0), l = get_local_id(0);
    const long base = (long)ng * M;
    const float mu = mean[ng], inv = invstd[ng];
    float p1 = 0.0f, p2 = 0.0f;
    for (int j = l; j < M; j += RED) {
        const float d = dy[base + j] * gamma[affine_index(base + j, C, S, elementwise)];
        p1 += d;
        p2 += d * (x[base + j] - mu) * inv;
    }
    const float m1 = group_sum(s, p1) / (float)M;
    const float m2 = group_sum(s, p2) / (float)M;
    for (int j = l; j < M; j += RED) {
        const float xhat = (x[base + j] - mu) * inv;
        const float d = dy[base + j] * gamma[affine_index(base + j, C, S, elementwise)];
        dx[base + j] = inv * (d - m1 - xhat * m2);
    }
}

/* Per-channel dgamma = sum of dy * xhat, dbeta = sum of dy, over the channel's N*S values: a work-group per channel. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void gn_param_grads_channel(global const float* x, global const float* dy, global const float* mean, global const float* invstd,
                            global float* dgamma, global float* dbeta, int N, int C, int S, int G) {
    local float s[RED];
    const int c = get_group_id(0), l = get_local_id(0), CG = C / G;
    float pg = 0.0f, pb = 0.0f;
    for (int j = l; j < N * S; j += RED) {
        const int n = j / S;
        const long i = ((long)n * C + c) * S + (j - n * S);
        const int ng = n * G + c / CG;
        pg += dy[i] * (x[i] - mean[ng]) * invstd[ng];
        pb += dy[i];
    }
    const float sg = group_sum(s, pg);
    const float sb = group_sum(s, pb);
    if (l == 0) {
        dgamma[c] = sg;
        dbeta[c] = sb;
    }
}

/* Elementwise (LayerNorm) dgamma, dbeta: a work-item per element of a sample, summing over the N samples in order. */
kernel void gn_param_grads_element(global const float* x, global const float* dy, global const float* mean, global const float* invstd,
                                   global float* dgamma, global float* dbeta, int N, int C, int S, int G) {
    const int e = get_global_id(0), CS = C * S;
    if (e >= CS) {
        return;
    }
    const int g = (e / S) / (C / G);
    float sg = 0.0f, sb = 0.0f;
    for (int n = 0; n < N; n++) {
        const long i = (long)n * CS + e;
        const int ng = n * G + g;
        sg += dy[i] * (x[i] - mean[ng]) * invstd[ng];
        sb += dy[i];
    }
    dgamma[e] = sg;
    dbeta[e] = sb;
}
