/*
 * im2col.cl — the data movement around a convolution computed as a GEMM.
 *
 *   x   : [N, C, H, W]             input, NCHW
 *   col : [C*R*S, nb*OH*OW]        for the images n0 .. n0+nb-1 of the batch, rows ld apart
 *                                  (ld >= nb*OH*OW; the host pads it off multiples of 4 KiB,
 *                                  whose cache-set aliasing halves the GEMM's speed)
 *         col[(c*R + i)*S + j, (n*OH + oy)*OW + ox] = x[n0+n, c, oy*st - pad + i, ox*st - pad + j]
 *         (0 where the window hangs over the padding)
 *   Y   : [K, nb*OH*OW]            GEMM output, reordered into y [N, K, OH, OW] (+ bias)
 *
 * col2im is written as a gather (one work-item per input element, summing the col
 * entries that read it), so it needs no atomics and is deterministic.
 * The buffers of one call never overlap; restrict lets the compiler keep values in
 * registers and vectorise the row loops (on PoCL col2im ran 1.3x and im2col 1.15x faster, alternating runs).
 */

#include "epilogue.h"

/* The planes kernels built with the layer's sizes (-DG_H=.. -DG_W=.. -DG_R=.. -DG_S=.. -DG_ST=.. -DG_PAD=..
   -DG_OH=.. -DG_OW=..) take them as constants in place of their arguments: every loop bound and
   column range is then known, and the compiler unrolls and vectorises the short rows (lenet's second
   layer: 8 values a row, 25 taps), where with sizes at run time the division, the bounds and the
   loop set-up cost more than the copy. */
#ifdef G_OW
#define FIX_GEOMETRY() (H = G_H, W = G_W, R = G_R, S = G_S, st = G_ST, pad = G_PAD, OH = G_OH, OW = G_OW)
#define UNROLL_TAPS _Pragma("unroll")
#else
#define FIX_GEOMETRY() ((void) 0)
#define UNROLL_TAPS
#endif

/* floor(a / b) for b > 0; C's division truncates toward zero instead */
inline int floor_div(int a, int b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* One image's OH*OW values in the row of col for tap (i, j): x's where the tap falls inside the
   plane, zeros where it hangs over the padding. */
inline void im2col_tap(global float* restrict out, global const float* restrict plane, int H, int W, int i, int j,
                       int st, int pad, int OH, int OW) {
    /* the output columns whose input column lies inside the image: ox in [lo, hi] */
    const int lo = max(0, -floor_div(j - pad, st)), hi = min(OW - 1, floor_div(W - 1 + pad - j, st));
    for (int oy = 0; oy < OH; oy++, out += OW) {
        const int ih = oy * st - pad + i;
        if (ih < 0 || ih >= H || lo > hi) {
            for (int ox = 0; ox < OW; ox++) {
                out[ox] = 0.0f;
            }
            continue;
        }
        global const float* r = plane + ih * W - pad + j;
        for (int ox = 0; ox < lo; ox++) {
            out[ox] = 0.0f;
        }
        for (int ox = lo; ox <= hi; ox++) {
            out[ox] = r[ox * st];
        }
        for (int ox = hi + 1; ox < OW; ox++) {
            out[ox] = 0.0f;
        }
    }
}

/* One work-item per (row of col, image): writes that image's OH*OW contiguous values. */
kernel void im2col(global const float* restrict x, global float* restrict col, int ld,
                   int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int n = get_global_id(0);
    const int row = get_global_id(1); /* (c*R + i)*S + j */
    if (n >= nb || row >= C * R * S) {
        return;
    }
    const int j = row % S, i = (row / S) % R, c = row / (S * R);
    im2col_tap(col + row * ld + n * OH * OW, x + ((n0 + n) * C + c) * H * W, H, W, i, j, st, pad, OH, OW);
}

/* im2col with a work-item per (image, channel) plane: its R*S rows of col, written as the plane's
   taps (i, j) one after another. A work-item per (row, image) writes OH*OW values, 64 on lenet's
   second layer, too little to outweigh what the runtime spends starting each work-group. */
kernel void im2col_planes(global const float* restrict x, global float* restrict col, int ld,
                          int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    FIX_GEOMETRY();
    const int t = get_global_id(0); /* n*C + c within the chunk */
    if (t >= nb * C) {
        return;
    }
    const int c = t % C, n = t / C;
    global const float* plane = x + (long)(n0 * C + t) * H * W;
    UNROLL_TAPS
    for (int i = 0; i < R; i++) {
        UNROLL_TAPS
        for (int j = 0; j < S; j++) {
            im2col_tap(col + (long)((c * R + i) * S + j) * ld + (long)n * OH * OW, plane, H, W, i, j, st, pad, OH, OW);
        }
    }
}

/* One work-item per input row (image, channel, h): gathers W values, each the sum of the
   col entries that read it. */
kernel void col2im(global const float* restrict col, int ld, global float* restrict x,
                   int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int t = get_global_id(0); /* (n*C + c)*H + h within the chunk */
    if (t >= nb * C * H) {
        return;
    }
    const int h = t % H, c = (t / H) % C, n = t / (H * C);
    global float* out = x + (n0 * C * H + t) * W;
    for (int w = 0; w < W; w++) {
        out[w] = 0.0f;
    }
    /* integer division has no vector instruction; stride 1, the common case, needs none
       (lenet's second layer: about 1.15x) */
    const bool unit = st == 1;
    for (int i = 0; i < R; i++) {
        const int ty = h + pad - i;
        if (ty < 0 || (!unit && ty % st != 0)) {
            continue;
        }
        const int oy = unit ? ty : ty / st;
        if (oy >= OH) {
            continue;
        }
        for (int j = 0; j < S; j++) {
            global const float* src = col + ((c * R + i) * S + j) * ld + (n * OH + oy) * OW;
            /* w = ox*st - pad + j for the ox with 0 <= w < W */
            const int lo = unit ? max(0, pad - j) : max(0, -floor_div(j - pad, st));
            const int hi = unit ? min(OW - 1, W - 1 + pad - j) : min(OW - 1, floor_div(W - 1 + pad - j, st));
            for (int ox = lo; ox <= hi; ox++) {
                out[ox * st - pad + j] += src[ox];
            }
        }
    }
}

/* col2im with a work-item per (image, channel) plane, for batches with planes enough to fill the
   device: each tap (i, j) adds col's rows into the plane's rows one output row after another, so
   consecutive read-modify-writes of x go to different rows and overlap in the pipeline (a row per
   work-item adds R*S taps into the same row one after another, each waiting for the last). */
kernel void col2im_planes(global const float* restrict col, int ld, global float* restrict x,
                          int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    FIX_GEOMETRY();
    const int t = get_global_id(0); /* n*C + c within the chunk */
    if (t >= nb * C) {
        return;
    }
    const int c = t % C, n = t / C;
    global float* plane = x + (long)(n0 * C + t) * H * W;
    for (int e = 0; e < H * W; e++) {
        plane[e] = 0.0f;
    }
    const bool unit = st == 1;
    UNROLL_TAPS
    for (int i = 0; i < R; i++) {
        UNROLL_TAPS
        for (int j = 0; j < S; j++) {
            /* w = ox*st - pad + j for the ox with 0 <= w < W */
            const int lo = unit ? max(0, pad - j) : max(0, -floor_div(j - pad, st));
            const int hi = unit ? min(OW - 1, W - 1 + pad - j) : min(OW - 1, floor_div(W - 1 + pad - j, st));
            global const float* src = col + (long)((c * R + i) * S + j) * ld + (long)n * OH * OW;
            for (int oy = 0; oy < OH; oy++) {
                const int ty = oy * st - pad + i;
                if (ty < 0 || ty >= H) {
                    continue;
                }
                global float* o = plane + ty * W - pad + j;
                global const float* s = src + oy * OW;
                for (int ox = lo; ox <= hi; ox++) {
                    o[ox * st] += s[ox];
                }
            }
        }
    }
}

/* y[n0+n, k, :] = Y[k, n*P .. n*P+P) + bias[k] (rows of Y ld apart); P = OH*OW; one work-item per (n, k) row. */
kernel void cols_to_nchw(global const float* restrict Y, int ld, global const float* restrict bias, int flags, global float* restrict y,
                         int K, int P, int n0, int nb) {
    const int t = get_global_id(0); /* n*K + k */
    if (t >= nb * K) {
        return;
    }
    const int k = t % K, n = t / K;
    const float b = (flags & EPI_BIAS) ? bias[k] : 0.0f;
    global const float* src = Y + k * ld + n * P;
    global float* dst = y + (n0 * K + t) * P;
    for (int p = 0; p < P; p++) {
        dst[p] = EPILOGUE(src[p] + b, flags);
    }
}

/* Y[k, n*P .. n*P+P) = y[n0+n, k, :]: the output gradient in the GEMM's layout; on the way,
   rowsum[n0+n, k] = sum over p of y[n0+n, k, p], from which the bias gradient is summed. */
kernel void nchw_to_cols(global const float* restrict y, global float* restrict Y, int ld, global float* restrict rowsum, int K, int P, int n0, int nb) {
    const int t = get_global_id(0);
    if (t >= nb * K) {
        return;
    }
    const int k = t % K, n = t / K;
    global const float* src = y + (n0 * K + t) * P;
    global float* dst = Y + k * ld + n * P;
    float s = 0.0f;
    for (int p = 0; p < P; p++) {
        dst[p] = src[p];
        s += src[p];
    }
    rowsum[n0 * K + t] = s;
}

/*
 * The same data movement with one work-item per element, consecutive work-items on
 * consecutive addresses: for devices that run work-items in SIMD lanes, where a row per
 * work-item makes neighbouring lanes touch addresses a row apart. ClConv chooses between
 * the two families per device by measurement (MovementTuner).
 */

/* Work-item (q, row), q = (n*OH + oy)*OW + ox over the chunk's nb images. */
kernel void im2col_elem(global const float* restrict x, global float* restrict col, int ld,
                        int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int q = get_global_id(0), row = get_global_id(1);
    const int P = OH * OW;
    if (q >= nb * P || row >= C * R * S) {
        return;
    }
    const int j = row % S, i = (row / S) % R, c = row / (S * R);
    const int n = q / P, o = q - n * P, oy = o / OW, ox = o - oy * OW;
    const int ih = oy * st - pad + i, iw = ox * st - pad + j;
    col[row * ld + q] = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[(((n0 + n) * C + c) * H + ih) * W + iw] : 0.0f;
}

/* One work-item per element of the chunk's images of x: the sum of the col entries that read it. */
kernel void col2im_elem(global const float* restrict col, int ld, global float* restrict x,
                        int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int e = get_global_id(0);
    if (e >= nb * C * H * W) {
        return;
    }
    const int w = e % W, h = (e / W) % H, c = (e / (W * H)) % C, n = e / (W * H * C);
    float s = 0.0f;
    for (int i = 0; i < R; i++) {
        const int ty = h + pad - i;
        if (ty < 0 || ty % st != 0 || ty / st >= OH) {
            continue;
        }
        const int oy = ty / st;
        for (int j = 0; j < S; j++) {
            const int tx = w + pad - j;
            if (tx < 0 || tx % st != 0 || tx / st >= OW) {
                continue;
            }
            s += col[((c * R + i) * S + j) * ld + (n * OH + oy) * OW + tx / st];
        }
    }
    x[n0 * C * H * W + e] = s;
}

/* y[n0+n, k, p] = Y[k, n*P + p] + bias[k], one work-item per element (p fastest). */
kernel void cols_to_nchw_elem(global const float* restrict Y, int ld, global const float* restrict bias, int flags,
                              global float* restrict y, int K, int P, int n0, int nb) {
    const int e = get_global_id(0);
    if (e >= nb * K * P) {
        return;
    }
    const int p = e % P, k = (e / P) % K, n = e / (P * K);
    y[n0 * K * P + e] = EPILOGUE(Y[k * ld + n * P + p] + ((flags & EPI_BIAS) ? bias[k] : 0.0f), flags);
}

/* Y[k, n*P + p] = y[n0+n, k, p], one work-item per element (the bias gradient's row sums are
   taken separately, by row_sums). */
kernel void nchw_to_cols_elem(global const float* restrict y, global float* restrict Y, int ld, int K, int P, int n0, int nb) {
    const int e = get_global_id(0);
    if (e >= nb * K * P) {
        return;
    }
    const int p = e % P, k = (e / P) % K, n = e / (P * K);
    Y[k * ld + n * P + p] = y[n0 * K * P + e];
}
