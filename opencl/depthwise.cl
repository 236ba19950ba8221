/*
 * depthwise.cl — depthwise convolution (groups = C = K: one R x S filter per channel), forward
 * and both gradients, any stride and padding, without an im2col matrix or a launch per group.
 *
 *   x, dx  : [N, C, H, W]        w, dw : [C, 1, R, S]        y, dy : [N, C, OH, OW]
 *
 * depthwise_forward:       an output per work-item, the taps that fall inside the image.
 * depthwise_forward_rows:  a row of outputs per work-item, 16 at a time (CPU-style runtimes).
 * depthwise_forward_planes: a plane per work-item from a zero-padded copy in local memory, 16
 *                          outputs at a time, every tap a vector load (strides 1 and 2).
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

/* A row of outputs per work-item (where work-items run one after another), VP at a time: per
   tap a vector of the VP inputs it reads (one load for stride 1, the even lanes of two for
   stride 2, where every lane's taps fall inside the row; else one load per lane, zero outside).
   The same sum, in the same tap order, as depthwise_forward. flip = 1 turns the filters 180
   degrees: with stride 1 and padding R-1-pad, dy through it is the input gradient. */
#define VP 16
kernel void depthwise_forward_rows(global const float* x, global const float* w, global const float* bias, int flags, int flip,
                                   global float* y, int N, int C, int H, int W, int OH, int OW, int R, int S, int st, int pad) {
    const int t = get_global_id(0); /* (n*C + c)*OH + oy */
    if (t >= N * C * OH) {
        return;
    }
    const int oy = t % OH, plane = t / OH, c = plane % C;
    global const float* xp = x + (long)plane * H * W;
    global const float* wp = w + c * R * S;
    const float b = (flags & EPI_BIAS) ? bias[c] : 0.0f;
    const int r0 = max(0, pad - oy * st), r1 = min(R, H + pad - oy * st); /* the filter rows inside the image */
    const int span = st == 1 ? VP : 2 * VP; /* what the fast path's loads cover from a tap's first input */
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int ox0 = 0; ox0 < OW; ox0 += VP) {
        const int first = ox0 * st - pad;
        const int inside = st <= 2 && first >= 0 && ox0 + VP <= OW && first + span + S - 2 < W;
        float16 acc = (float16)(b);
        for (int r = r0; r < r1; r++) {
            global const float* row = xp + (oy * st - pad + r) * W;
            for (int s = 0; s < S; s++) {
                float16 v;
                if (inside && st == 1) {
                    v = vload16(0, row + first + s);
                } else if (inside) {
                    const float16 lo = vload16(0, row + first + s), hi = vload16(0, row + first + s + VP);
                    v = (float16)(lo.even, hi.even);
                } else { /* clamped indices, no branch per lane; the lanes outside are zeroed after */
                    const int16 iw = (ox0 + lane) * st - pad + s, ic = clamp(iw, (int16)(0), (int16)(W - 1));
                    v = (float16)(row[ic.s0], row[ic.s1], row[ic.s2], row[ic.s3], row[ic.s4], row[ic.s5], row[ic.s6], row[ic.s7],
                                  row[ic.s8], row[ic.s9], row[ic.sa], row[ic.sb], row[ic.sc], row[ic.sd], row[ic.se], row[ic.sf]);
                    v = select((float16)(0.0f), v, (iw >= 0) & (iw < W));
                }
                acc = MADD(v, (float16)(flip ? wp[(R - 1 - r) * S + (S - 1 - s)] : wp[r * S + s]), acc);
            }
        }
        const float16 out = EPILOGUE(acc, flags);
        global float* yo = y + (long)t * OW + ox0;
        const int n = min(VP, OW - ox0);
        if (n == VP) {
            vstore16(out, 0, yo);
        } else {
            float tmp[VP];
            vstore16(out, 0, tmp);
            for (int l = 0; l < n; l++) {
                yo[l] = tmp[l];
            }
        }
    }
}

/* A plane of outputs per work-item (where work-items run one after another and the padded plane
   fits the local memory), stride 1 or 2: the work-item first copies its input plane into local
   memory with zeros around it (pad rows above and below; rows of WP floats: pad zeros on the
   left and, on the right, the pad and the 2*VP that a chunk's loads read past the row's end), so
   that every tap of every 16 outputs is one vector load (the even lanes of two for stride 2)
   with no lane masked or gathered. depthwise_forward_rows gathers lane by lane the chunks at a
   row's ends, which are every chunk of rows up to 32 wide (mobilenet_v2's depthwise layers at
   batch 16: 92 ms of a 205 ms inference). The same sum, in the same tap order. Global (N*C),
   work-groups of one; lp holds (H + 2*pad) * WP floats. */
kernel void depthwise_forward_planes(global const float* x, global const float* w, global const float* bias, int flags, int flip,
                                     global float* y, int N, int C, int H, int W, int OH, int OW, int R, int S, int st, int pad,
                                     int WP, local float* lp) {
    const int plane = get_global_id(0);
    if (plane >= N * C) {
        return;
    }
    const int c = plane % C;
    global const float* xp = x + (long)plane * H * W;
    for (int e = 0; e < pad * WP; e++) { /* the rows above and below */
        lp[e] = 0.0f;
        lp[(H + pad) * WP + e] = 0.0f;
    }
    for (int iy = 0; iy < H; iy++) {
        local float* row = lp + (iy + pad) * WP;
        global const float* src = xp + iy * W;
        for (int e = 0; e < pad; e++) {
            row[e] = 0.0f;
        }
        int e = 0;
        for (; e + VP <= W; e += VP) {
            vstore16(vload16(0, src + e), 0, row + pad + e);
        }
        for (; e < W; e++) {
            row[pad + e] = src[e];
        }
        for (e = pad + W; e < WP; e++) {
            row[e] = 0.0f;
        }
    }
    global const float* wp = w + c * R * S;
    const float b = (flags & EPI_BIAS) ? bias[c] : 0.0f;
    for (int oy = 0; oy < OH; oy++) {
        global float* yrow = y + ((long)plane * OH + oy) * OW;
        for (int ox0 = 0; ox0 < OW; ox0 += VP) {
            float16 acc = (float16)(b);
            for (int r = 0; r < R; r++) {
                local const float* row = lp + (oy * st + r) * WP + ox0 * st;
                for (int s = 0; s < S; s++) {
                    float16 v;
                    if (st == 1) {
                        v = vload16(0, row + s);
                    } else {
                        const float16 lo = vload16(0, row + s), hi = vload16(0, row + s + VP);
                        v = (float16)(lo.even, hi.even);
                    }
                    acc = MADD(v, (float16)(flip ? wp[(R - 1 - r) * S + (S - 1 - s)] : wp[r * S + s]), acc);
                }
            }
            const float16 out = EPILOGUE(acc, flags);
            const int n = min(VP, OW - ox0);
            if (n == VP) {
                vstore16(out, 0, yrow + ox0);
            } else {
                float tmp[VP];
                vstore16(out, 0, tmp);
                for (int l = 0; l < n; l++) {
                    yrow[ox0 + l] = tmp[l];
                }
            }
        }
    }
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

/* The input gradient of a stride-2 layer with a row of dx per work-item, VP inputs at a time
   (stride 1 runs depthwise_forward_rows with the filters turned): the outputs whose window
   reads them gathered per lane, zero where the tap's column has the wrong parity or falls
   outside dy. The same sum, in the same tap order, as depthwise_backward_data. */
kernel void depthwise_backward_data_rows(global const float* dy, global const float* w, global float* dx,
                                         int N, int C, int H, int W, int OH, int OW, int R, int S, int pad) {
    const int t = get_global_id(0); /* (n*C + c)*H + ih */
    if (t >= N * C * H) {
        return;
    }
    const int ih = t % H, plane = t / H, c = plane % C;
    global const float* dp = dy + (long)plane * OH * OW;
    global const float* wp = w + c * R * S;
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int iw0 = 0; iw0 < W; iw0 += VP) {
        float16 acc = (float16)(0.0f);
        for (int r = 0; r < R; r++) {
            const int u = ih + pad - r; /* oy * 2 */
            if (u < 0 || (u & 1) || (u >> 1) >= OH) {
                continue;
            }
            global const float* drow = dp + (u >> 1) * OW;
            for (int s = 0; s < S; s++) {
                const int16 v = iw0 + lane + pad - s, oc = clamp(v >> 1, (int16)(0), (int16)(OW - 1));
                float16 d = (float16)(drow[oc.s0], drow[oc.s1], drow[oc.s2], drow[oc.s3], drow[oc.s4], drow[oc.s5], drow[oc.s6], drow[oc.s7],
                                      drow[oc.s8], drow[oc.s9], drow[oc.sa], drow[oc.sb], drow[oc.sc], drow[oc.sd], drow[oc.se], drow[oc.sf]);
                d = select((float16)(0.0f), d, (v >= 0) & ((v & 1) == 0) & ((v >> 1) < OW));
                acc = MADD(d, (float16)(wp[r * S + s]), acc);
            }
        }
        global float* xo = dx + (long)t * W + iw0;
        const int n = min(VP, W - iw0);
        if (n == VP) {
            vstore16(acc, 0, xo);
        } else {
            float tmp[VP];
            vstore16(acc, 0, tmp);
            for (int l = 0; l < n; l++) {
                xo[l] = tmp[l];
            }
        }
    }
}

/* The weight gradient with a work-item per channel (where work-items run one after another):
   KS*KS vector accumulators, and one for the bias, over the batch and the plane in a fixed
   order, VP outputs of dy at a time against the VP inputs each tap reads (loaded as
   depthwise_forward_rows does); summed across lanes at the end. Square KS x KS filters. */
#ifndef KS
#define KS 3
#endif
kernel void depthwise_backward_weight_rows(global const float* x, global const float* dy, global float* dw, global float* db, int hasBias,
                                           int N, int C, int H, int W, int OH, int OW, int st, int pad) {
    const int c = get_global_id(0);
    if (c >= C) {
        return;
    }
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const int span = st == 1 ? VP : 2 * VP;
    float16 acc[KS * KS], accb = (float16)(0.0f);
    for (int t = 0; t < KS * KS; t++) {
        acc[t] = (float16)(0.0f);
    }
    for (int n = 0; n < N; n++) {
        global const float* xp = x + (long)(n * C + c) * H * W;
        global const float* dp = dy + (long)(n * C + c) * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            for (int ox0 = 0; ox0 < OW; ox0 += VP) {
                const int16 live = ox0 + lane < OW;
                float16 d;
                if (ox0 + VP <= OW) {
                    d = vload16(0, dp + oy * OW + ox0);
                } else {
                    const int16 oc = min(ox0 + lane, (int16)(OW - 1));
                    global const float* dr = dp + oy * OW;
                    d = (float16)(dr[oc.s0], dr[oc.s1], dr[oc.s2], dr[oc.s3], dr[oc.s4], dr[oc.s5], dr[oc.s6], dr[oc.s7],
                                  dr[oc.s8], dr[oc.s9], dr[oc.sa], dr[oc.sb], dr[oc.sc], dr[oc.sd], dr[oc.se], dr[oc.sf]);
                    d = select((float16)(0.0f), d, live);
                }
                accb += d;
                const int first = ox0 * st - pad;
                const int inside = st <= 2 && first >= 0 && ox0 + VP <= OW && first + span + KS - 2 < W;
                _Pragma("unroll")
                for (int r = 0; r < KS; r++) {
                    const int ih = oy * st - pad + r;
                    if (ih < 0 || ih >= H) {
                        continue;
                    }
                    global const float* row = xp + ih * W;
                    _Pragma("unroll")
                    for (int s = 0; s < KS; s++) {
                        float16 v;
                        if (inside && st == 1) {
                            v = vload16(0, row + first + s);
                        } else if (inside) {
                            const float16 lo = vload16(0, row + first + s), hi = vload16(0, row + first + s + VP);
                            v = (float16)(lo.even, hi.even);
                        } else {
                            const int16 iw = (ox0 + lane) * st - pad + s, ic = clamp(iw, (int16)(0), (int16)(W - 1));
                            v = (float16)(row[ic.s0], row[ic.s1], row[ic.s2], row[ic.s3], row[ic.s4], row[ic.s5], row[ic.s6], row[ic.s7],
                                          row[ic.s8], row[ic.s9], row[ic.sa], row[ic.sb], row[ic.sc], row[ic.sd], row[ic.se], row[ic.sf]);
                            v = select((float16)(0.0f), v, (iw >= 0) & (iw < W) & live);
                        }
                        acc[r * KS + s] = MADD(d, v, acc[r * KS + s]);
                    }
                }
            }
        }
    }
    for (int t = 0; t < KS * KS; t++) {
        float16 a = acc[t];
        float8 h8 = a.lo + a.hi;
        float4 h4 = h8.lo + h8.hi;
        float2 h2 = h4.lo + h4.hi;
        dw[c * KS * KS + t] = h2.lo + h2.hi;
    }
    if (hasBias) {
        float8 h8 = accb.lo + accb.hi;
        float4 h4 = h8.lo + h8.hi;
        float2 h2 = h4.lo + h4.hi;
        db[c] = h2.lo + h2.hi;
    }
}
