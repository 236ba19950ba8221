/*
 * depthwise.cl — depthwise convolution (groups = C = K: one R x S filter per channel), forward
 * and both gradients, any stride and padding, without an im2col matrix or a launch per group.
 *
 *   x, dx  : [N, C, H, W]        w, dw : [C, 1, R, S]        y, dy : [N, C, OH, OW]
 *
 * depthwise_forward:       an output per work-item, the taps that fall inside the image.
 * depthwise_backward_data: an input per work-item, gathering the outputs whose window reads it
 *                          (no atomics: each dx is written once).
 * depthwise_backward_weight: a work-group of RED per (channel, tap) and one more per channel for
 *                          the bias, its work-items taking output rows in turn, summing dy * x
 *                          over the batch and the plane with group_sum, in a fixed order.
 */

#include "madd.h"
#include "reduction.h"
#include "epilogue.h"

kernel void depthwise_forward(global const float* x, global const float* w, global const float* bias, int flags,
                              global float* y, int N, int C, int H, int W, int OH, int OW, int R, int S, int st, int pad) {
    const int i = get_global_id(0);
    if (i >= N * C * OH * OW) {
        return;
    }
    const int ox = i % OW, oy = (i / OW) % OH, c = (i / (OW * OH)) % C, n = i / (OW * OH * C);
    global const float* xp = x + (long)(n * C + c) * H * W;
    global const float* wp = w + c * R * S;
    float acc = (flags & EPI_BIAS) ? bias[c] : 0.0f;
    for (int r = 0; r < R; r++) {
        const int ih = oy * st - pad + r;
        if (ih < 0 || ih >= H) {
            continue;
        }
        for (int s = 0; s < S; s++) {
            const int iw = ox * st - pad + s;
            if (iw >= 0 && iw < W) {
                acc = MADD(xp[ih * W + iw], wp[r * S + s], acc);
            }
        }
    }
    y[i] = EPILOGUE(acc, flags);
}

kernel void depthwise_backward_data(global const float* dy, global const float* w, global float* dx,
                                    int N, int C, int H, int W, int OH, int OW, int R, int S, int st, int pad) {
    const int i = get_global_id(0);
    if (i >= N * C * H * W) {
        return;
    }
    const int iw = i % W, ih = (i / W) % H, c = (i / (W * H)) % C, n = i / (W * H * C);
    global const float* dp = dy + (long)(n * C + c) * OH * OW;
    global const float* wp = w + c * R * S;
    float acc = 0.0f;
    for (int r = 0; r < R; r++) {
        const int t = ih + pad - r; /* oy * st */
        if (t < 0 || t % st != 0 || t / st >= OH) {
            continue;
        }
        for (int s = 0; s < S; s++) {
            const int u = iw + pad - s;
            if (u >= 0 && u % st == 0 && u / st < OW) {
                acc = MADD(dp[(t / st) * OW + u / st], wp[r * S + s], acc);
            }
        }
    }
    dx[i] = acc;
}

/* Group g < C*R*S: dw of channel g / (R*S), tap g % (R*S); group C*R*S + c: db of channel c. */
kernel void depthwise_backward_weight(global const float* x, global const float* dy, global float* dw, global float* db, int hasBias,
                                      int N, int C, int H, int W, int OH, int OW, int R, int S, int st, int pad) {
    local float part[RED];
    const int g = get_group_id(0), l = get_local_id(0);
    const int bias = g >= C * R * S;
    if (bias && !hasBias) {
        return;
    }
    const int c = bias ? g - C * R * S : g / (R * S), tap = g % (R * S), r = tap / S, s = tap % S;
    const int P = OH * OW;
    float acc = 0.0f;
    for (int row = l; row < N * OH; row += RED) { /* a work-item per output row: no division per value */
        const int n = row / OH, oy = row % OH;
        global const float* d = dy + (long)(n * C + c) * P + oy * OW;
        if (bias) {
            for (int ox = 0; ox < OW; ox++) {
                acc += d[ox];
            }
            continue;
        }
        const int ih = oy * st - pad + r;
        if (ih < 0 || ih >= H) {
            continue;
        }
        global const float* xr = x + (long)(n * C + c) * H * W + ih * W;
        /* the outputs whose tap lands in the row: ox*st - pad + s in [0, W); C's division truncates, so a negative end is 0 */
        const int lo = pad - s, hi = W - 1 + pad - s;
        const int x0 = lo <= 0 ? 0 : (lo + st - 1) / st, x1 = hi < 0 ? 0 : min(OW, hi / st + 1);
        for (int ox = x0; ox < x1; ox++) {
            acc = MADD(d[ox], xr[ox * st - pad + s], acc);
        }
    }
    const float sum = group_sum(part, acc);
    if (l == 0) {
        if (bias) {
            db[c] = sum;
        } else {
            dw[g] = sum;
        }
    }
}
