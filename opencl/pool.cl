/*
 * pool.cl — max and average pooling over NCHW planes with a square K x K window.
 *
 *   x : [N*C planes, H, W]   y, argmax : [N*C planes, OH, OW]
 *   window of output (oy, ox): rows oy*st - pad .. +K-1, columns ox*st - pad .. +K-1
 *   argmax holds, per output, the winner's index h*W + w inside its plane (float-coded).
 *
 * Backward passes are gathers: one work-item per input element sums the outputs whose
 * window covers it (for max pooling, only those that chose it), so no atomics.
 */

/* The outputs whose window covers input coordinate t lie in [*lo, *hi]. */
inline void covering(int t, int K, int st, int pad, int O, int* lo, int* hi) {
    const int a = t + pad - K + 1;
    *lo = a <= 0 ? 0 : (a + st - 1) / st;
    *hi = min((t + pad) / st, O - 1);
}

kernel void maxpool_forward(global const float* x, global float* y, global float* argmax,
                            int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int ox = e % OW, oy = (e / OW) % OH, plane = e / (OW * OH);
    global const float* xp = x + plane * H * W;
    float best = -INFINITY;
    int at = -1;
    for (int i = 0; i < K; i++) {
        const int ih = oy * st - pad + i;
        if (ih < 0 || ih >= H) {
            continue;
        }
        for (int j = 0; j < K; j++) {
            const int iw = ox * st - pad + j;
            if (iw >= 0 && iw < W) {
                const float v = xp[ih * W + iw];
                if (at < 0 || v > best) { /* the first maximum wins ties, as in PyTorch */
                    best = v;
                    at = ih * W + iw;
                }
            }
        }
    }
    y[e] = best;
    argmax[e] = (float)at;
}

kernel void maxpool_backward(global const float* dy, global const float* argmax, global float* dx,
                             int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int w = e % W, h = (e / W) % H, plane = e / (W * H);
    const float me = (float)(h * W + w);
    int ylo, yhi, xlo, xhi;
    covering(h, K, st, pad, OH, &ylo, &yhi);
    covering(w, K, st, pad, OW, &xlo, &xhi);
    float s = 0.0f;
    for (int oy = ylo; oy <= yhi; oy++) {
        for (int ox = xlo; ox <= xhi; ox++) {
            const int o = (plane * OH + oy) * OW + ox;
            if (argmax[o] == me) {
                s += dy[o];
            }
        }
    }
    dx[e] = s;
}

kernel void avgpool_forward(global const float* x, global float* y,
                            int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int ox = e % OW, oy = (e / OW) % OH, plane = e / (OW * OH);
    global const float* xp = x + plane * H * W;
    float s = 0.0f;
    for (int i = 0; i < K; i++) {
        const int ih = oy * st - pad + i;
        if (ih < 0 || ih >= H) {
            continue;
        }
        for (int j = 0; j < K; j++) {
            const int iw = ox * st - pad + j;
            if (iw >= 0 && iw < W) {
                s += xp[ih * W + iw];
            }
        }
    }
    y[e] = s / (float)(K * K); /* padding counts, as PyTorch's count_include_pad=True */
}

kernel void avgpool_backward(global const float* dy, global float* dx,
                             int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int w = e % W, h = (e / W) % H, plane = e / (W * H);
    int ylo, yhi, xlo, xhi;
    covering(h, K, st, pad, OH, &ylo, &yhi);
    covering(w, K, st, pad, OW, &xlo, &xhi);
    float s = 0.0f;
    for (int oy = ylo; oy <= yhi; oy++) {
        for (int ox = xlo; ox <= xhi; ox++) {
            s += dy[(plane * OH + oy) * OW + ox];
        }
    }
    dx[e] = s / (float)(K * K);
}
