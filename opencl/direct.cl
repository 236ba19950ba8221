/*
 * direct.cl — direct convolution for stride-1 "same" layers (odd KS x KS filters, padding
 * (KS-1)/2, so OH = H and OW = W), without an im2col matrix: small-channel 3x3 layers
 * spent most of their time writing and reading that matrix (C*9 times the input).
 *
 * A plane of H*W pixels is walked as one flat row. For output pixel p the input tap (r, s)
 * sits at p + (r-PAD)*W + (s-PAD), so VW consecutive outputs read VW consecutive inputs for
 * every tap: one vector load per tap and input channel. Taps above or below the plane land
 * in zero guards (direct_pad copies each plane behind G zeros, G = PAD*W + PAD + VW, so even a
 * last vector hanging over the plane's end reads inside the buffer); taps left or right of
 * the plane would wrap into the neighbouring row, and a per-lane mask of the column zeroes
 * them (select, not a product: a wrapped Inf must not become NaN).
 *
 *   direct_conv: out[n, o, p] = sum_i sum_rs in[n, i, p + tap(r, s)] * wt(o, i, r, s) (+ bias[o])
 *                work-item: VW pixels x TM output channels of one image
 *                FLIP = 0: wt = w[o][i][r][s] (forward, w [KO][CI][KS][KS]);
 *                FLIP = 1: wt = w[i][o][KS-1-r][KS-1-s] (the input gradient: dy through the
 *                filters turned 180 degrees, channels swapped; w [CI][KO][KS][KS])
 *   direct_dw:   dw[k, c, r, s] = sum_n sum_p dy[n, k, p] * x[n, c, p + tap(r, s)], and
 *                db[k] = sum_n sum_p dy[n, k, p] from the same loads
 *                work-item: TK filters x one input channel, all KS*KS taps, summed over the
 *                batch in a fixed order
 *
 * Build: -DKS (odd) -DVW=1|2|4|8|16 -DTM (direct_conv) -DTK (direct_dw) -DFLIP=0|1.
 */
#ifndef KS
#define KS 3
#endif
#ifndef VW
#define VW 16
#endif
#ifndef TM
#define TM 8
#endif
#ifndef TK
#define TK 2
#endif
#ifndef FLIP
#define FLIP 0
#endif
#define PAD ((KS - 1) / 2)

#include "madd.h"
#if VW == 1
#define floatV float
#define intV int
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#define HSUM(v) (v)
#else
#define floatV CAT(float, VW)
#define intV CAT(int, VW)
#define VLOAD(p) CAT(vload, VW)(0, p)
#define VSTORE(v, p) CAT(vstore, VW)(v, 0, p)
#endif

/* The column (p mod W) of each lane of the vector of pixels from p0. */
inline intV lane_columns(int p0, int W) {
    int lanes[VW];
    int ow = p0 % W;
    for (int l = 0; l < VW; l++) {
        lanes[l] = ow;
        ow = ow + 1 == W ? 0 : ow + 1;
    }
#if VW == 1
    return lanes[0];
#else
    return CAT(vload, VW)(0, lanes);
#endif
}

/* Nonzero (all bits set, in vectors: select's "take b") in the lanes whose tap column
   ow + s - PAD falls outside [0, W). */
#define OUTSIDE(ow, s, W) (((ow) + ((s) - PAD) < 0) | ((ow) + ((s) - PAD) >= (W)))

#if VW > 1
inline float hsum(floatV v) {
    float t[VW];
    VSTORE(v, t);
    float s = 0.0f;
    for (int l = 0; l < VW; l++) {
        s += t[l];
    }
    return s;
}
#define HSUM(v) hsum(v)
#endif

/* xp[G + q*(P+G) + p] = x[q*P + p] for planes q, and zeros in the guards. */
kernel void direct_pad(global const float* x, global float* xp, int planes, int P, int G) {
    const long e = get_global_id(0);
    const long total = (long)planes * (P + G) + G;
    if (e >= total) {
        return;
    }
    if (e < G) {
        xp[e] = 0.0f;
        return;
    }
    const long t = e - G;
    const long q = t / (P + G);
    const int r = (int)(t - q * (P + G));
    xp[e] = r < P ? x[q * P + r] : 0.0f;
}

/* The same with a plane per work-item (where work-items run one after another): plane q
   writes the guard before it, and the last plane also the one after it. */
kernel void direct_pad_rows(global const float* x, global float* xp, int planes, int P, int G) {
    const int q = get_global_id(0);
    if (q >= planes) {
        return;
    }
    global float* d = xp + (long)q * (P + G);
    global const float* s = x + (long)q * P;
    for (int i = 0; i < G; i++) {
        d[i] = 0.0f;
    }
    for (int i = 0; i < P; i++) {
        d[G + i] = s[i];
    }
    if (q == planes - 1) {
        for (int i = 0; i < G; i++) {
            d[G + P + i] = 0.0f;
        }
    }
}

/* Global (ceil(P/(VW*per)), ceil(KO/TM), N): per vectors of VW pixels one after another per
   work-item (a work-item's start costs a runtime that runs them one by one about as much as a
   vector's sums); in is direct_pad's copy of [N][CI][H][W]. */
kernel void direct_conv(global const float* in, global const float* w, global const float* bias, int has_bias,
                        global float* out, int CI, int KO, int H, int W, int G, int per) {
    const int P = H * W, o0 = get_global_id(1) * TM, n = get_global_id(2);
    if (o0 >= KO) {
        return;
    }
    const int PS = P + G;
    global const float* wo[TM];
    float bo[TM];
    for (int t = 0; t < TM; t++) {
        const int o = min(o0 + t, KO - 1);
#if FLIP
        wo[t] = w + (long)o * KS * KS;
#else
        wo[t] = w + (long)o * CI * KS * KS;
#endif
        bo[t] = has_bias ? bias[o] : 0.0f;
    }
    for (int v = 0; v < per; v++) {
        const int p0 = (get_global_id(0) * per + v) * VW;
        if (p0 >= P) {
            return;
        }
        const intV ow = lane_columns(p0, W);
        floatV acc[TM];
        for (int t = 0; t < TM; t++) {
            acc[t] = (floatV)(0.0f);
        }
        global const float* base = in + G + (long)n * CI * PS + p0;
        for (int i = 0; i < CI; i++) {
            global const float* plane = base + (long)i * PS;
            _Pragma("unroll")
            for (int r = 0; r < KS; r++) {
                _Pragma("unroll")
                for (int s = 0; s < KS; s++) {
                    floatV x = VLOAD(plane + (r - PAD) * W + (s - PAD));
                    if (s != PAD) {
                        x = select(x, (floatV)(0.0f), OUTSIDE(ow, s, W));
                    }
                    _Pragma("unroll")
                    for (int t = 0; t < TM; t++) {
#if FLIP
                        const float wt = wo[t][(long)i * KO * KS * KS + (KS - 1 - r) * KS + (KS - 1 - s)];
#else
                        const float wt = wo[t][i * KS * KS + r * KS + s];
#endif
                        acc[t] = MADD((floatV)(wt), x, acc[t]);
                    }
                }
            }
        }
        const int lanes = min(VW, P - p0);
        for (int t = 0; t < TM && o0 + t < KO; t++) {
            const floatV y = acc[t] + (floatV)(bo[t]);
            global float* o = out + ((long)n * KO + o0 + t) * P + p0;
            if (lanes == VW) {
                VSTORE(y, o);
            } else {
                float tmp[VW];
                VSTORE(y, tmp);
                for (int l = 0; l < lanes; l++) {
                    o[l] = tmp[l];
                }
            }
        }
    }
}

/* Global (ceil(K/TK), C); xp and dyp are direct_pad's copies of x [N][C][H][W] and dy [N][K][H][W]. */
kernel void direct_dw(global const float* xp, global const float* dyp, global float* dw, global float* db, int has_db,
                      int N, int C, int K, int H, int W, int G) {
    const int k0 = get_global_id(0) * TK, c = get_global_id(1);
    if (k0 >= K || c >= C) {
        return;
    }
    const int P = H * W, PS = P + G;
    floatV acc[TK][KS * KS];
    for (int t = 0; t < TK; t++) {
        for (int q = 0; q < KS * KS; q++) {
            acc[t][q] = (floatV)(0.0f);
        }
    }
    int krow[TK];
    floatV dsum[TK]; /* the bias gradient, summed by the c = 0 work-items from the dy they load anyway */
    for (int t = 0; t < TK; t++) {
        krow[t] = min(k0 + t, K - 1);
        dsum[t] = (floatV)(0.0f);
    }
    const bool sums = has_db && c == 0;
    const intV ow0 = lane_columns(0, W);
    const int step = VW % W;
    for (int n = 0; n < N; n++) { /* images outer: each plane is read front to back, as prefetchers expect */
        intV ow = ow0;
        for (int p0 = 0; p0 < P; p0 += VW) { /* lanes past P read dy's zero guard: they add nothing */
            global const float* xs = xp + G + ((long)n * C + c) * PS + p0;
            floatV d[TK];
            _Pragma("unroll")
            for (int t = 0; t < TK; t++) {
                d[t] = VLOAD(dyp + G + ((long)n * K + krow[t]) * PS + p0);
            }
            if (sums) {
                _Pragma("unroll")
                for (int t = 0; t < TK; t++) {
                    dsum[t] += d[t];
                }
            }
            _Pragma("unroll")
            for (int r = 0; r < KS; r++) {
                _Pragma("unroll")
                for (int s = 0; s < KS; s++) {
                    floatV v = VLOAD(xs + (r - PAD) * W + (s - PAD));
                    if (s != PAD) {
                        v = select(v, (floatV)(0.0f), OUTSIDE(ow, s, W));
                    }
                    _Pragma("unroll")
                    for (int t = 0; t < TK; t++) {
                        acc[t][r * KS + s] = MADD(d[t], v, acc[t][r * KS + s]);
                    }
                }
            }
            ow += step; /* the next vector's columns: VW mod W further, wrapped once */
            ow = select(ow, ow - W, ow >= W);
        }
    }
    for (int t = 0; t < TK && k0 + t < K; t++) {
        for (int q = 0; q < KS * KS; q++) {
            dw[((long)(k0 + t) * C + c) * KS * KS + q] = HSUM(acc[t][q]);
        }
        if (sums) {
            db[k0 + t] = HSUM(dsum[t]);
        }
    }
}
