/*
 * norm.cl — batch normalisation over x [N, C, P] (P = H*W, or 1 for BatchNorm1d).
 *
 * Statistics per channel c over the M = N*P values x[n, c, p]: one work-item per
 * channel, two passes (mean, then variance), fixed order, so results are deterministic.
 * Biased variance normalises; the unbiased one enters the running estimate (PyTorch).
 */

kernel void bn_stats(global const float* x, global float* mean_out, global float* invstd_out,
                     global float* run_mean, global float* run_var, float momentum, float eps, int N, int C, int P) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    const int M = N * P;
    float s = 0.0f;
    for (int n = 0; n < N; n++) {
        global const float* row = x + (n * C + c) * P;
        float part = 0.0f;
        for (int p = 0; p < P; p++) {
            part += row[p];
        }
        s += part;
    }
    const float mean = s / (float)M;
    float v = 0.0f;
    for (int n = 0; n < N; n++) {
        global const float* row = x + (n * C + c) * P;
        float part = 0.0f;
        for (int p = 0; p < P; p++) {
            const float d = row[p] - mean;
            part += d * d;
        }
        v += part;
    }
    const float var = v / (float)M;
    mean_out[c] = mean;
    invstd_out[c] = rsqrt(var + eps);
    run_mean[c] = (1.0f - momentum) * run_mean[c] + momentum * mean;
    run_var[c] = (1.0f - momentum) * run_var[c] + momentum * (M > 1 ? var * (float)M / (float)(M - 1) : var);
}

/* y = (x - mean[c]) * invstd[c] * gamma[c] + beta[c]; infer=1 takes mean/var from the running
   estimate. One work-item per (n, c) row of P values. */
kernel void bn_apply(global const float* x, global const float* mean, global const float* stat2,
                     global const float* gamma, global const float* beta, global float* y,
                     int infer, float eps, int C, int P, int rows) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    const int c = r % C;
    const float inv = infer ? rsqrt(stat2[c] + eps) : stat2[c];
    const float scale = inv * gamma[c], shift = beta[c] - mean[c] * scale;
    global const float* xr = x + r * P;
    global float* yr = y + r * P;
    for (int p = 0; p < P; p++) {
        yr[p] = xr[p] * scale + shift;
    }
}

/* dgamma[c] = sum dy * xhat, dbeta[c] = sum dy. */
kernel void bn_backward_reduce(global const float* x, global const float* dy, global const float* mean,
                               global const float* invstd, global float* dgamma, global float* dbeta, int N, int C, int P) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    float sdy = 0.0f, sdyx = 0.0f;
    for (int n = 0; n < N; n++) {
        const int o = (n * C + c) * P;
        float a = 0.0f, b = 0.0f;
        for (int p = 0; p < P; p++) {
            a += dy[o + p];
            b += dy[o + p] * (x[o + p] - mean[c]);
        }
        sdy += a;
        sdyx += b;
    }
    dgamma[c] = sdyx * invstd[c];
    dbeta[c] = sdy;
}

/* dx = gamma * invstd / M * (M*dy - sum dy - xhat * sum dy*xhat); one work-item per (n, c) row. */
kernel void bn_backward_apply(global const float* x, global const float* dy, global const float* mean,
                              global const float* invstd, global const float* gamma, global const float* dgamma,
                              global const float* dbeta, global float* dx, int N, int C, int P, int rows) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    const int c = r % C;
    const float M = (float)(N * P);
    const float k = gamma[c] * invstd[c] / M;
    const int o = r * P;
    for (int p = 0; p < P; p++) {
        const float xhat = (x[o + p] - mean[c]) * invstd[c];
        dx[o + p] = k * (M * dy[o + p] - dbeta[c] - xhat * dgamma[c]);
    }
}
