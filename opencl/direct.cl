/*
 * direct.cl — direct convolution for stride-1 "same" layers (odd KS x KS filters, padding
 * (KS-1)/2, so OH = H and OW = W), without an im2col matrix: small-channel 3x3 layers
 * spent most of their time writing and reading that matrix (C*9 times the input).
 *
 * A plane of H*W pixels is walked as one flat row. For output pixel p the input tap (r, s)
 * sits at p + (r-PAD)*W + (s-PAD), so VW consecutive outputs read VW consecutive inputs for
 * every tap: one vector load per tap and input channel. Taps above or below the plane land
 * in zero guards (direct_pad copies each plane behind G zeros, G = PAD*W + PAD + PV*VW, so even
 * a step's last vector hanging over, or starting past, the plane's end reads inside the buffer);
 * taps left or right of the plane would wrap into the neighbouring row, and a per-lane mask of the column zeroes
 * them (select, not a product: a wrapped Inf must not become NaN).
 *
 *   direct_conv: out[n, o, p] = sum_i sum_rs in[n, i, p + tap(r, s)] * wt(o, i, r, s) (+ bias[o])
 *                (+ res[n, o, p], a residual block's add, before the activation)
 *                work-item: VW pixels x TM output channels of one image per step, or PV vectors of
 *                VW pixels (PV = 2: each weight loaded once for two vectors; with one vector the
 *                sixteen weight broadcasts per tap held the FMAs to ~85% of their rate)
 *                LOCALPAD = 1 (work-groups of one work-item, each a whole plane): in is x (or,
 *                for the input gradient, dy) itself, and the work-group copies its image behind
 *                the zero guards into local memory first: no direct_pad pass (one launch fewer
 *                and one written copy fewer; at batch 1 the launch cost more than the copy)
 *                FLIP = 0: wt = w[o][i][r][s] (forward, w [KO][CI][KS][KS]);
 *                FLIP = 1: wt = w[i][o][KS-1-r][KS-1-s] (the input gradient: dy through the
 *                filters turned 180 degrees, channels swapped; w [CI][KO][KS][KS])
 *   direct_dw:   dw[k, c, r, s] = sum_n sum_p dy[n, k, p] * x[n, c, p + tap(r, s)], and
 *                db[k] = sum_n sum_p dy[n, k, p] from the same loads
 *                work-item: TK filters x one input channel, all KS*KS taps, summed over the
 *                batch in a fixed order
 *
 *                STACK > 1 (with LOCALPAD): a work-group stacks STACK images' planes of each channel
 *                one under the other in local memory and walks them as one plane of STACK*H rows,
 *                so that small planes fill the vectors (7x7: 49 pixels took 4 vectors of 16, 16
 *                images take 49); taps above or below an image's own rows are masked as its
 *                columns are, and a vector spanning two images stores lane by lane
 *
 *                POOL = 1 (with LOCALPAD; inference): the work-item keeps its TM output planes in local
 *                memory behind its image's copy and stores their 2x2 maxima (stride 2) instead:
 *                out [N][KO][H/2][W/2]. A net's conv-relu-maxpool(2) then writes and reads a quarter
 *                of the convolution's output, in one launch
 *
 * Build: -DKS (odd) -DVW=1|2|4|8|16 -DTM -DTS -DLOCALPAD=0|1 -DSTACK -DPV -DPOOL (direct_conv) -DTK (direct_dw) -DFLIP=0|1,
 *        -DTC -DDWL=8|16 -DPADDING -DSTRIDE (direct_dw_lanes, built with VW=16).
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
#ifndef TS
#define TS (KS * KS) /* floats from one filter to the next in w: CI*KS*KS forward, KS*KS with FLIP */
#endif
#ifndef TK
#define TK 2
#endif
#ifndef FLIP
#define FLIP 0
#endif
#ifndef LOCALPAD
#define LOCALPAD 0
#endif
#ifndef STACK
#define STACK 1
#endif
#ifndef POOL
#define POOL 0
#endif
#ifndef PV
#define PV 1 /* vectors of pixels per step: each weight loaded once for PV vectors */
#endif
#if LOCALPAD
#define SRC local
#else
#define SRC global
#endif
#define PAD ((KS - 1) / 2)
#ifndef PADDING
#define PADDING PAD /* direct_dw_lanes' layer padding: PAD ("same"), or 0 for unpadded layers (im2col's forward) */
#endif
#ifndef STRIDE
#define STRIDE 1 /* direct_dw_lanes' layer stride (strided.cl's layers: 2) */
#endif

#include "madd.h"
#include "epilogue.h"
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

#if VW > 1 && defined(__clang__)
/* A vector type aligned like a float: a copy through it is one unaligned load and one store, where
   PoCL 3.1's vload16/vstore16 became four and three pieces. */
typedef float floatV_unaligned __attribute__((ext_vector_type(VW), aligned(4)));
#define COPY_V(src, dst) (*(local floatV_unaligned*)(dst) = *(global const floatV_unaligned*)(src))
#define GLOAD_V(p) (*(global const floatV_unaligned*)(p))
#define GSTORE_V(v, p) (*(global floatV_unaligned*)(p) = (v))
#else
#define COPY_V(src, dst) VSTORE(VLOAD(src), dst)
#define GLOAD_V(p) VLOAD(p)
#define GSTORE_V(v, p) VSTORE(v, p)
#endif

/* 0, 1, ..., VW-1: each lane's offset from the vector's first pixel. */
#if VW == 16
#define LANE_IDS ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#elif VW == 8
#define LANE_IDS ((int8)(0, 1, 2, 3, 4, 5, 6, 7))
#elif VW == 4
#define LANE_IDS ((int4)(0, 1, 2, 3))
#elif VW == 2
#define LANE_IDS ((int2)(0, 1))
#else
#define LANE_IDS 0
#endif

/* The column (p mod W) of each lane of the vector of pixels from p0, in vector operations: a
   loop over the lanes through an array had cost a store-forwarding stall per vector (perf: ~9%
   of direct_conv on 28x28 planes). Lane l's column starts at p0 mod W + l < W + VW, so
   ceil(VW/W) conditional subtractions of W bring every lane below W. */
inline intV lane_columns(int p0, int W) {
    intV c = (intV)(p0 % W) + LANE_IDS;
    for (int k = 0; k < VW; k += W) {
        c = select(c, c - W, c >= W);
    }
    return c;
}

/* The row within its image ((p / W) mod H) of each lane of the vector of pixels from p0: the row
   of p0, one more for each wrap of the column, wrapped at H the same way. */
inline intV lane_rows(int p0, int W, int H) {
    intV c = (intV)(p0 % W) + LANE_IDS, r = (intV)((p0 / W) % H);
    for (int k = 0; k < VW; k += W) {
        const intV wrap = c >= W;
        c = select(c, c - W, wrap);
        r = select(r, r + 1, wrap);
    }
    for (int k = 0; k < VW; k += H) {
        r = select(r, r - H, r >= H);
    }
    return r;
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

/* The same with planes q0 .. q0+per-1 per work-item (where work-items run one after another:
   a work-group per plane cost the runtime more to start than its 3 KB copy took): plane q writes
   the guard before it, and the last plane also the one after it. */
kernel void direct_pad_rows(global const float* x, global float* xp, int planes, int P, int G, int per) {
    const int q0 = get_global_id(0) * per, q1 = min(planes, q0 + per);
    for (int q = q0; q < q1; q++) {
        global float* d = xp + (long)q * (P + G);
        global const float* s = x + (long)q * P;
        for (int i = 0; i < G; i++) {
            d[i] = 0.0f;
        }
        int i = 0;
#if VW > 1
        for (; i + VW <= P; i += VW) {
            VSTORE(VLOAD(s + i), d + G + i);
        }
#endif
        for (; i < P; i++) {
            d[G + i] = s[i];
        }
        if (q == planes - 1) {
            for (int i = 0; i < G; i++) {
                d[G + P + i] = 0.0f;
            }
        }
    }
}

/* Image n's CI planes of x [N][CI][P] copied behind G zeros each (direct_pad's layout for one image). */
inline void direct_pad_local(global const float* x, local float* lp, int n, int CI, int P, int G) {
    global const float* s = x + (long)n * CI * P;
    for (int i = 0; i < G; i++) {
        lp[i] = 0.0f;
    }
    for (int c = 0; c < CI; c++) {
        local float* d = lp + G + c * (P + G);
        int i = 0;
#if VW > 1
        for (; i + VW <= P; i += VW) {
            COPY_V(s + i, d + i);
        }
#endif
        for (; i < P; i++) {
            d[i] = s[i];
        }
        for (i = 0; i < G; i++) {
            d[P + i] = 0.0f;
        }
        s += P;
    }
}

/* Images n0 .. n0+m-1 of x [N][CI][P], each channel's m planes one after another behind G zeros
   (direct_pad_local's layout with planes of m*P values). */
inline void direct_pad_local_stack(global const float* x, local float* lp, int n0, int m, int CI, int P, int G) {
    for (int i = 0; i < G; i++) {
        lp[i] = 0.0f;
    }
    const int SP = m * P;
    for (int c = 0; c < CI; c++) {
        local float* d = lp + G + c * (SP + G);
        for (int j = 0; j < m; j++) {
            global const float* s = x + ((long)(n0 + j) * CI + c) * P;
            local float* dj = d + j * P;
            int i = 0;
#if VW > 1
            for (; i + VW <= P; i += VW) {
                COPY_V(s + i, dj + i);
            }
#endif
            for (; i < P; i++) {
                dj[i] = s[i];
            }
        }
        for (int i = 0; i < G; i++) {
            d[SP + i] = 0.0f;
        }
    }
}

#if STACK > 1
/* run values of v (at most 16) to out + at, each plus res[at + l] where flags has EPI_RESIDUAL, the epilogue applied. */
inline void direct_store_run(const float* v, int run, long at, int flags, global const float* res, global float* out) {
    int l = 0;
#if VW >= 8
    for (int c = 0; c < VW / 8 && run - l >= 8; c++) {
        float8 a = vload8(0, v + l);
        if (flags & EPI_RESIDUAL) {
            a += vload8(0, res + at + l);
        }
        vstore8(EPILOGUE(a, flags), 0, out + at + l);
        l += 8;
    }
#endif
#if VW >= 4
    if (run - l >= 4) {
        float4 a = vload4(0, v + l);
        if (flags & EPI_RESIDUAL) {
            a += vload4(0, res + at + l);
        }
        vstore4(EPILOGUE(a, flags), 0, out + at + l);
        l += 4;
    }
#endif
    for (; l < run; l++) {
        const float a = (flags & EPI_RESIDUAL) ? v[l] + res[at + l] : v[l];
        out[at + l] = EPILOGUE(a, flags);
    }
}
#endif

/* Vector acc[t * step] (t < TM, filters ob + t) of the pixels from p0 of the SP (a stack's) stored at
   out [N][KO][P] from image n, those below o0 skipped (an earlier group stored them): bias, the residual
   and the activation added as it stores. */
inline void direct_store(const floatV* acc, int step, int p0, int SP, int P, int n, int KO, int ob, int o0, const float* bo,
                         int flags, global const float* res, global float* out) {
    const int lanes = min(VW, SP - p0);
#if STACK > 1
    const int img = p0 / P, px = p0 - img * P; /* the image and pixel of lane 0 */
    if (lanes < VW || px + VW > P) { /* the vector spans two images, or ends the stack */
        for (int t = o0 - ob; t < TM; t++) {
            float tmp[VW];
            VSTORE(acc[t * step] + (floatV)(bo[t]), tmp);
            /* each image's run of lanes in pieces of 8, 4, 2 and 1 (lane by lane this had been
               ~5% of resnet20's batch-64 inference, its 7x7 stacks spanning images in most vectors) */
            for (int l = 0, im = img, q = px; l < lanes; im++, q = 0) {
                const int run = min(lanes - l, P - q);
                direct_store_run(tmp + l, run, ((long)(n + im) * KO + ob + t) * P + q, flags, res, out);
                l += run;
            }
        }
        return;
    }
#else
    const int img = 0, px = p0;
#endif
    for (int t = o0 - ob; t < TM; t++) {
        const long at = ((long)(n + img) * KO + ob + t) * P + px;
        global float* o = out + at;
        if (lanes == VW) { /* one unaligned access each (PoCL 3.1 split vstore16 into three) */
            floatV v = acc[t * step] + (floatV)(bo[t]);
            if (flags & EPI_RESIDUAL) {
                v += GLOAD_V(res + at);
            }
            GSTORE_V(EPILOGUE(v, flags), o);
        } else {
            float tmp[VW];
            VSTORE(acc[t * step] + (floatV)(bo[t]), tmp);
            for (int l = 0; l < lanes; l++) {
                const float v = (flags & EPI_RESIDUAL) ? tmp[l] + res[at + l] : tmp[l];
                o[l] = EPILOGUE(v, flags);
            }
        }
    }
}

#if POOL
#if defined(__clang__)
/* Vector types aligned like a float: one unaligned access each (PoCL 3.1 split vload16/vstore16). */
typedef float float16_la __attribute__((ext_vector_type(16), aligned(4)));
typedef float float8_ga __attribute__((ext_vector_type(8), aligned(4)));
#define POOL_ROWS8
#if VW > 1
#define LSTORE_V(v, p) (*(local floatV_unaligned*)(p) = (v))
#endif
#endif
#ifndef LSTORE_V
#define LSTORE_V(v, p) VSTORE(v, p)
#endif
/* Filters ob+t (t from o0-ob) of the vector of pixels from p0 of the stack, epilogue applied, into
   lo's planes LS floats apart (LS: the stack's pixels rounded up to whole vectors). */
inline void direct_store_local(const floatV* acc, int step, int p0, int ob, int o0, const float* bo, int flags, local float* lo,
                               int LS) {
    for (int t = o0 - ob; t < TM; t++) {
        LSTORE_V(EPILOGUE(acc[t * step] + (floatV)(bo[t]), flags), lo + t * LS + p0);
    }
}

/* The 2x2 maxima (stride 2; a last odd row or column left out, as the pool floors) of lo's planes
   (direct_store_local's) to out [N][KO][H/2][W/2], images n .. n+m-1; the first of equal values
   wins, as maxpool2x2_forward's. Rows of 8 outputs or more take 8 at a time from two 16-wide loads
   (the last 8 overlapping the ones before: a scalar loop had cost as much as the pool pass saved). */
inline void direct_pool_store(local const float* lo, int LS, int n, int m, int H, int W, int KO, int ob, int o0,
                              global float* out) {
    const int OH = H / 2, OW = W / 2, P = H * W;
    for (int t = o0 - ob; t < TM; t++) {
        for (int j = 0; j < m; j++) {
            local const float* src = lo + t * LS + j * P;
            global float* dst = out + ((long)(n + j) * KO + ob + t) * OH * OW;
            for (int oy = 0; oy < OH; oy++) {
                local const float* r0 = src + 2 * oy * W;
                global float* d = dst + oy * OW;
#ifdef POOL_ROWS8
                if (OW >= 8) {
                    for (int ox = 0;; ox += 8) {
                        ox = min(ox, OW - 8);
                        const float16 a = *(local const float16_la*)(r0 + 2 * ox), b = *(local const float16_la*)(r0 + W + 2 * ox);
                        float8 best = a.even;
                        best = select(best, a.odd, a.odd > best);
                        best = select(best, b.even, b.even > best);
                        best = select(best, b.odd, b.odd > best);
                        *(global float8_ga*)(d + ox) = best;
                        if (ox == OW - 8) {
                            break;
                        }
                    }
                    continue;
                }
#endif
                for (int ox = 0; ox < OW; ox++) {
                    float best = r0[2 * ox];
                    best = r0[2 * ox + 1] > best ? r0[2 * ox + 1] : best;
                    best = r0[W + 2 * ox] > best ? r0[W + 2 * ox] : best;
                    best = r0[W + 2 * ox + 1] > best ? r0[W + 2 * ox + 1] : best;
                    d[ox] = best;
                }
            }
        }
    }
}
#endif

/* Global (ceil(P/(VW*per)), ceil(KO/(TM*og)), N): per vectors of VW pixels one after another per
   work-item (a work-item's start costs a runtime that runs them one by one about as much as a
   vector's sums), and og groups of TM output channels one after another (a work-group that
   copies its image into local memory copies it once for all of them). LOCALPAD = 0: in is
   direct_pad's copy of [N][CI][H][W] and lp unused; LOCALPAD = 1: in is x [N][CI][H][W], lp
   holds CI*(P+G)+G floats, and a work-group is one work-item covering the whole plane (per =
   all of its vectors).
   The TM filters of a group are read from one pointer at offsets known when the program is built
   (TS, the distance between two filters, is a build option): with a pointer per filter the
   registers ran out beyond TM = 8, and the accumulators went to the stack. The host keeps
   TM <= KO; the last group, where KO is not a multiple of TM, computes the TM filters that end at
   KO and stores only those no earlier group did.
   STACK > 1: global (1, ceil(KO/(TM*og)), ceil(N/STACK)), work-group z stacking images
   z*STACK .. min(N, z*STACK+STACK)-1 (per covers their vectors). */
kernel void direct_conv(global const float* in, global const float* w, global const float* bias, int flags,
                        global const float* res, global float* out, int CI, int KO, int H, int W, int G, int per, int og,
                        int N, local float* lp) {
    const int P = H * W, g0 = get_global_id(1) * og;
    if (g0 * TM >= KO) {
        return;
    }
#if STACK > 1
    const int n = get_global_id(2) * STACK, SP = min(STACK, N - n) * P; /* the first image; the stack's pixels */
    const int PS = SP + G;
    direct_pad_local_stack(in, lp, n, SP / P, CI, P, G);
    SRC const float* image = lp + G;
#else
    const int n = get_global_id(2), SP = P;
    const int PS = P + G;
#endif
#if STACK > 1
#elif LOCALPAD
    direct_pad_local(in, lp, n, CI, P, G);
    SRC const float* image = lp + G;
#else
    SRC const float* image = in + G + (long)n * CI * PS;
#endif
#if FLIP
    const long IS = (long)KO * KS * KS; /* from one input channel to the next in w [CI][KO][KS][KS] */
#else
    const long IS = KS * KS;            /* in w [KO][CI][KS][KS] */
#endif
#if POOL
    local float* lo = lp + CI * PS + G; /* behind the image's copy */
    const int LS = (SP + VW - 1) / VW * VW;
#endif
    for (int gi = 0; gi < og; gi++) {
        const int o0 = (g0 + gi) * TM;
        if (o0 >= KO) {
            return;
        }
        const int ob = min(o0, KO - TM); /* the first filter computed; those below o0 are not stored */
        global const float* wb = w + (long)ob * TS;
        float bo[TM];
        for (int t = 0; t < TM; t++) {
            bo[t] = (flags & EPI_BIAS) ? bias[ob + t] : 0.0f;
        }
        for (int v = 0; v < per; v += PV) {
            const int p0 = (get_global_id(0) * per + v) * VW;
            if (p0 >= SP) {
                break;
            }
            intV ow[PV];
#if STACK > 1
            intV oh[PV];
#endif
            _Pragma("unroll")
            for (int q = 0; q < PV; q++) {
                ow[q] = lane_columns(p0 + q * VW, W);
#if STACK > 1
                oh[q] = lane_rows(p0 + q * VW, W, H);
#endif
            }
            floatV acc[TM * PV];
            for (int t = 0; t < TM * PV; t++) {
                acc[t] = (floatV)(0.0f);
            }
            SRC const float* base = image + p0;
            global const float* wi = wb;
            for (int i = 0; i < CI; i++) {
                SRC const float* plane = base + (long)i * PS;
                _Pragma("unroll")
                for (int r = 0; r < KS; r++) {
                    _Pragma("unroll")
                    for (int s = 0; s < KS; s++) {
                        floatV x[PV];
                        _Pragma("unroll")
                        for (int q = 0; q < PV; q++) {
                            x[q] = VLOAD(plane + q * VW + (r - PAD) * W + (s - PAD));
#if STACK > 1
                            if (r != PAD && s != PAD) {
                                x[q] = select(x[q], (floatV)(0.0f), OUTSIDE(ow[q], s, W) | OUTSIDE(oh[q], r, H));
                            } else if (r != PAD) {
                                x[q] = select(x[q], (floatV)(0.0f), OUTSIDE(oh[q], r, H));
                            } else
#endif
                            if (s != PAD) {
                                x[q] = select(x[q], (floatV)(0.0f), OUTSIDE(ow[q], s, W));
                            }
                        }
                        _Pragma("unroll")
                        for (int t = 0; t < TM; t++) {
#if FLIP
                            const float wt = wi[t * TS + (KS - 1 - r) * KS + (KS - 1 - s)];
#else
                            const float wt = wi[t * TS + r * KS + s];
#endif
                            _Pragma("unroll")
                            for (int q = 0; q < PV; q++) {
                                acc[t * PV + q] = MADD((floatV)(wt), x[q], acc[t * PV + q]);
                            }
                        }
                    }
                }
                wi += IS;
            }
            _Pragma("unroll")
            for (int q = 0; q < PV; q++) {
                const int pq = p0 + q * VW; /* this vector's first pixel */
                if (pq >= SP) {
                    break;
                }
#if POOL
                direct_store_local(acc + q, PV, pq, ob, o0, bo, flags, lo, LS);
#else
                direct_store(acc + q, PV, pq, SP, P, n, KO, ob, o0, bo, flags, res, out);
#endif
            }
        }
#if POOL
        direct_pool_store(lo, LS, n, SP / P, H, W, KO, ob, o0, out);
#endif
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

#if VW == 16
/* The weight gradient with 16 filters in a vector's lanes instead of 16 pixels, for filters up
   to 5x5: direct_dw's per-vector tap loads, column masks and partial last vectors on small
   planes cost more than its FMAs. Here a pixel's dy for 16 filters is one vector (from dyl,
   direct_dy_lanes' [N][P][KL] copy), each tap of x one broadcast scalar, and the sums over
   pixels stay in TC*KS*KS accumulators, so a pixel costs one vector load and TC*KS*KS FMAs
   with broadcast operands. Columns at the plane's left and right edges leave out the taps
   outside it; a tap row above or below the plane points at zrow (W + PADDING zeros), so x
   itself [N][C][H][W] is read without a padded copy (a pass over x and 3 MB written per
   resnet20 layer saved). Global (KL/DWL, ceil(C/TC)), one work-item per group; dy's planes are
   OH x OW (PADDING = 0: an unpadded layer's; STRIDE 2: a downsampling layer's, whose output
   pixel (oh, ow) takes tap (r, s) from x's (2*oh + r - PADDING, 2*ow + s - PADDING), and where
   only the columns whose taps reach outside the plane test them); the sum over images and
   pixels runs in a fixed order. DWL = 8: 8 filters in the lanes (with TC = 1, 9 accumulators of a 3x3
   filter fit sixteen 8-float registers, where 2 x 9 of 16 floats went to the stack); dyl as for 16. */
#ifndef TC
#define TC 2
#endif
#ifndef DWL
#define DWL 16
#endif
#define dwlV CAT(float, DWL)
#define TAPS (KS * KS)
/* The sums of pixel PX (a column of the row) for the taps s where TAKE holds: TAKE is known when
   the program is built for the edge columns of planes at least 2*PADDING wide (the taps that would
   fall left or right of the plane are left out, neither read nor added), else tested per pixel. */
#define DW_PIXEL(PX, TAKE)                                                                 \
    {                                                                                      \
        const int px = (PX);                                                               \
        const dwlV d = CAT(vload, DWL)(0, drow + (long)px * KL);                           \
        dsum += d;                                                                         \
        _Pragma("unroll") for (int t = 0; t < TC; t++) {                                   \
            _Pragma("unroll") for (int r = 0; r < KS; r++) {                               \
                global const float* xr = xrow[t][r] + STRIDE * px;                         \
                _Pragma("unroll") for (int s = 0; s < KS; s++) {                           \
                    if (TAKE) {                                                            \
                        acc[t][r * KS + s] = MADD((dwlV)(xr[s]), d, acc[t][r * KS + s]);   \
                    }                                                                      \
                }                                                                          \
            }                                                                              \
        }                                                                                  \
    }

kernel void direct_dw_lanes(global const float* x, global const float* dyl, global float* dw, global float* db,
                            int has_db, int N, int C, int K, int H, int W, int KL, int OH, int OW, global const float* zrow) {
    const int k0 = get_global_id(0) * DWL, c0 = get_global_id(1) * TC;
    if (k0 >= K || c0 >= C) {
        return;
    }
    const int P = H * W;
    dwlV acc[TC][TAPS];
    for (int t = 0; t < TC; t++) {
        for (int q = 0; q < TAPS; q++) {
            acc[t][q] = (dwlV)(0.0f);
        }
    }
    dwlV dsum = (dwlV)(0.0f);
    for (int n = 0; n < N; n++) {
        global const float* dn = dyl + (long)n * OH * OW * KL + k0;
        global const float* xn[TC];
        for (int t = 0; t < TC; t++) {
            xn[t] = x + ((long)n * C + min(c0 + t, C - 1)) * P;
        }
        for (int oh = 0; oh < OH; oh++) {
            /* row pointers per tap row, so that each tap is a constant offset from one (int
               index arithmetic per tap, sign-extended each time, had cost more than the FMAs) */
            global const float* xrow[TC][KS];
            _Pragma("unroll") for (int t = 0; t < TC; t++) {
                _Pragma("unroll") for (int r = 0; r < KS; r++) {
                    const int h = STRIDE * oh + r - PADDING; /* rows above or below the plane read zrow's zeros */
                    xrow[t][r] = h >= 0 && h < H ? xn[t] + (long)h * W - PADDING : zrow;
                }
            }
            global const float* drow = dn + (long)oh * OW * KL;
#if STRIDE > 1
            /* the columns whose taps all lie inside the plane, [lo, hi), need no test */
            const int lo = min(OW, (PADDING + STRIDE - 1) / STRIDE);
            const int hi = max(lo, min(OW, W - KS + PADDING >= 0 ? (W - KS + PADDING) / STRIDE + 1 : 0));
            for (int ow = 0; ow < lo; ow++) DW_PIXEL(ow, STRIDE * ow + s - PADDING >= 0 && STRIDE * ow + s - PADDING < W)
            for (int ow = lo; ow < hi; ow++) DW_PIXEL(ow, 1)
            for (int ow = hi; ow < OW; ow++) DW_PIXEL(ow, STRIDE * ow + s - PADDING >= 0 && STRIDE * ow + s - PADDING < W)
#else
            if (W >= 2 * PADDING) { /* PADDING > 0: a "same" layer, OW = W */
                _Pragma("unroll") for (int j = 0; j < PADDING; j++) DW_PIXEL(j, j + s >= PADDING)
                for (int ow = PADDING; ow < OW - PADDING; ow++) DW_PIXEL(ow, 1)
                _Pragma("unroll") for (int j = 0; j < PADDING; j++) DW_PIXEL(OW - PADDING + j, j + s < 2 * PADDING)
            } else {
                for (int ow = 0; ow < OW; ow++) DW_PIXEL(ow, ow + s - PADDING >= 0 && ow + s - PADDING < W)
            }
#endif
        }
    }
    float lanes[DWL];
    for (int t = 0; t < TC && c0 + t < C; t++) {
        for (int q = 0; q < TAPS; q++) {
            CAT(vstore, DWL)(acc[t][q], 0, lanes);
            for (int l = 0; l < DWL && k0 + l < K; l++) {
                dw[((long)(k0 + l) * C + c0 + t) * TAPS + q] = lanes[l];
            }
        }
    }
    if (has_db && c0 == 0) {
        CAT(vstore, DWL)(dsum, 0, lanes);
        for (int l = 0; l < DWL && k0 + l < K; l++) {
            db[k0 + l] = lanes[l];
        }
    }
}

/* clang's own shuffle: PoCL 3.1 lowers shuffle2 with a constant mask lane by lane through the
   stack (direct_dy_lanes took 0.46 ms for 3.2 MB), the builtin to a few permutes. */
#ifdef __clang__
#define SHUFFLE2(a, b, M) __builtin_shufflevector(a, b, M)
#else
#define SHUFFLE2(a, b, M) shuffle2(a, b, (uint16)(M))
#endif

/* One step of a 16x16 transpose in registers: rows i and i + D (i & D == 0) swap the blocks
   where row bit D and column bit D differ. Four steps (D = 8, 4, 2, 1) transpose the whole. */
#define SWAP_LO_8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define SWAP_HI_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define SWAP_LO_4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define SWAP_HI_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define SWAP_LO_2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define SWAP_HI_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define SWAP_LO_1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define SWAP_HI_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define SWAP_STEP(D)                                                                       \
    _Pragma("unroll") for (int i = 0; i < 16; i++) {                                       \
        if ((i & D) == 0) {                                                                \
            const float16 a = v[i], b = v[i + D];                                          \
            v[i] = SHUFFLE2(a, b, SWAP_LO_##D);                                            \
            v[i + D] = SHUFFLE2(a, b, SWAP_HI_##D);                                        \
        }                                                                                  \
    }

/* dyl[n][p][k] = dy[n][k][p] for k < K, zeros up to KL (a multiple of 16): direct_dw_lanes'
   layout. Global (KL/16, N), one work-item per group: blocks of 16 filters x 16 pixels are
   loaded as 16 vectors, transposed in registers and stored as 16 vectors. With has_dyp it also
   writes direct_pad's copy of dy (planes of P values behind G zeros, a last guard after the
   last plane) from the same loads, for the input gradient: dy is read once for both. */
kernel void direct_dy_lanes(global const float* dy, global float* dyl, int K, int P, int KL, global float* dyp, int G, int has_dyp) {
    const int k0 = get_global_id(0) * 16, n = get_global_id(1);
    global const float* src = dy + ((long)n * K + k0) * P;
    global float* dst = dyl + (long)n * P * KL + k0;
    const int rows = min(16, K - k0);
    const long PS = P + G, q0 = (long)n * K + k0; /* the first plane of this work-item */
    if (has_dyp) {
        for (int i = 0; i < rows; i++) {
            global float* guard = dyp + (q0 + i) * PS;
            for (int g = 0; g < G; g++) {
                guard[g] = 0.0f;
            }
        }
        if (n == get_global_size(1) - 1 && k0 + rows == K) { /* the guard after the last plane */
            global float* guard = dyp + (q0 + rows) * PS;
            for (int g = 0; g < G; g++) {
                guard[g] = 0.0f;
            }
        }
    }
    for (int p = 0; p < P; p += 16) {
        /* the last block shifted back onto columns an earlier block wrote (the same values), so
           that all but planes under 16 values take the vector path */
        const int p0 = P >= 16 ? min(p, P - 16) : p, cols = min(16, P - p0);
        if (rows == 16 && cols == 16) {
            /* v only here, every index a constant: a variable index anywhere had kept v on the stack */
            float16 v[16];
            _Pragma("unroll") for (int i = 0; i < 16; i++) {
                v[i] = vload16(0, src + (long)i * P + p0);
            }
            if (has_dyp) {
                _Pragma("unroll") for (int i = 0; i < 16; i++) {
                    vstore16(v[i], 0, dyp + (q0 + i) * PS + G + p0);
                }
            }
            SWAP_STEP(8)
            SWAP_STEP(4)
            SWAP_STEP(2)
            SWAP_STEP(1)
            _Pragma("unroll") for (int j = 0; j < 16; j++) {
                vstore16(v[j], 0, dst + (long)(p0 + j) * KL);
            }
        } else {
            for (int j = 0; j < cols; j++) {
                for (int i = 0; i < 16; i++) {
                    const float e = i < rows ? src[(long)i * P + p0 + j] : 0.0f;
                    dst[(long)(p0 + j) * KL + i] = e;
                    if (has_dyp && i < rows) {
                        dyp[(q0 + i) * PS + G + p0 + j] = e;
                    }
                }
            }
        }
    }
}
/* Unpadded ("valid") stride-1 layers forward with 16 filters in a vector's lanes (ClLanes as
   "valid"): out[n, o, oy, ox] = act(sum_i sum_rs x[n, i, oy + r, ox + s] * w[o, i, r, s] + bias[o]).
   No im2col matrix: lenet's second layer wrote and read back 8 MB of it per pass. wl is w
   repacked by direct_w_lanes to [groups][CI][KS*KS][16] (zeros past KO, groups a multiple of TG),
   so a tap's 16 filters are one aligned vector; each x value is one broadcast scalar. A
   work-item takes TG groups of 16 filters of one image and walks its output rows in chunks of
   PX pixels: TG*PX accumulators, TG + PX loads per TG*PX FMAs (one vector of pixels times 16
   filters had needed a load per FMA). A chunk's columns past the row's end are clamped to its
   last (computed, not stored). Global (1, groups / TG, N), work-groups of one. */
#ifndef TG
#define TG 2
#endif
#ifndef PX
#define PX 8
#endif
kernel void direct_conv_lanes(global const float* x, global const float* wl, global const float* bias, int flags,
                              global float* out, int CI, int KO, int H, int W, int OH, int OW) {
    const int n = get_global_id(2), g0 = get_global_id(1) * TG;
    if (g0 * 16 >= KO) {
        return;
    }
    const long GS = (long)CI * KS * KS * 16; /* from one group's weights to the next */
    global const float* img = x + (long)n * CI * H * W;
    for (int oy = 0; oy < OH; oy++) {
        for (int ox0 = 0; ox0 < OW; ox0 += PX) {
            int col[PX];
            _Pragma("unroll")
            for (int p = 0; p < PX; p++) {
                col[p] = min(ox0 + p, OW - 1);
            }
            float16 acc[TG * PX];
            _Pragma("unroll")
            for (int a = 0; a < TG * PX; a++) {
                acc[a] = (float16)(0.0f);
            }
            for (int i = 0; i < CI; i++) {
                global const float* row = img + ((long)i * H + oy) * W;
                global const float* wi = wl + g0 * GS + (long)i * KS * KS * 16;
                _Pragma("unroll 1") /* the rows' taps unrolled as well spilled the accumulators (20% slower) */
                for (int r = 0; r < KS; r++) {
                    _Pragma("unroll")
                    for (int s = 0; s < KS; s++) {
                        float16 wv[TG];
                        _Pragma("unroll")
                        for (int g = 0; g < TG; g++) {
                            wv[g] = vload16(0, wi + g * GS + (r * KS + s) * 16);
                        }
                        _Pragma("unroll")
                        for (int p = 0; p < PX; p++) {
                            const float16 xv = (float16)(row[r * W + s + col[p]]);
                            _Pragma("unroll")
                            for (int g = 0; g < TG; g++) {
                                acc[g * PX + p] = MADD(xv, wv[g], acc[g * PX + p]);
                            }
                        }
                    }
                }
            }
            const int valid = min(PX, OW - ox0);
            for (int g = 0; g < TG; g++) {
                float t[PX][16]; /* the chunk's sums, a pixel's 16 filters per row: stored per filter below */
                _Pragma("unroll")
                for (int p = 0; p < PX; p++) {
                    vstore16(acc[g * PX + p], 0, t[p]);
                }
                for (int l = 0; l < 16; l++) {
                    const int o = (g0 + g) * 16 + l;
                    if (o >= KO) {
                        break;
                    }
                    const float b = (flags & EPI_BIAS) ? bias[o] : 0.0f;
                    global float* dst = out + (((long)n * KO + o) * OH + oy) * OW + ox0;
                    for (int p = 0; p < valid; p++) {
                        dst[p] = EPILOGUE(t[p][l] + b, flags);
                    }
                }
            }
        }
    }
}

/* wl [groups][CI][KS*KS][16] from w [KO][CI][KS][KS], zeros past KO: direct_conv_lanes' weights.
   An element per work-item. */
kernel void direct_w_lanes(global const float* w, global float* wl, int CI, int KO, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int l = e % 16, t = e / 16, tap = t % (KS * KS), gi = t / (KS * KS), i = gi % CI, o = (gi / CI) * 16 + l;
    wl[e] = o < KO ? w[((long)o * CI + i) * KS * KS + tap] : 0.0f;
}


/* direct_dx_blocks: the input gradient of an unpadded stride-1 layer (OH = H - KS + 1), im2col's
   col = w^T * dy and col2im in one pass, without the column matrix (lenet's second layer wrote and
   read back 8 MB of it per step). A work-item takes one image's channels c0 .. c0+CG-1: it copies dy's
   K planes into local memory (each zero-padded to PL floats, whole tiles of DXT vectors), then for
   each tile of DXT vectors of pixels and each block of DXR rows (c, r, s) of col sums over k in
   DXR * DXT accumulators (each w[k][row] one broadcast for DXT vectors), stores the block to local
   memory and adds it from there into dx's planes, also in local memory, a run of pixels of one output
   row at a time shifted by (r, s); the planes are written out once at the end. col's rows run in
   (c, s, r) order, so that a block's rows add into other rows of dx, or into the same values whole:
   rows a column apart added 8-wide vectors into each other's just-stored values, half overlapping,
   which the store-to-load forwarding does not serve (and a division per run cost as much again). Every sum runs in a
   fixed order. Global (ceil(C / CG), N), work-groups of one work-item; local: K*PL + CG*H*W +
   DXR*DXT*16 floats. */
#ifndef DXR
#define DXR 4
#endif
#ifndef DXT
#define DXT 4
#endif
kernel void direct_dx_blocks(global const float* dy, global const float* w, global float* dx, int C, int K, int H, int W,
                             int OH, int OW, int CG, int PL, local float* lm) {
    const int c0 = get_global_id(0) * CG, n = get_global_id(1);
    if (c0 >= C) {
        return;
    }
    const int cg = min(CG, C - c0), P = OH * OW, HW = H * W, CRS = C * TAPS, rows = cg * TAPS;
    local float* ldy = lm;
    local float* ldx = ldy + (long)K * PL;
    local float* blk = ldx + cg * HW;
    global const float* dyn = dy + (long)n * K * P;
    for (int k = 0; k < K; k++) {
        local float* d = ldy + k * PL;
        global const float* s = dyn + (long)k * P;
        int p = 0;
        for (; p + 16 <= P; p += 16) {
            COPY_V(s + p, d + p);
        }
        for (; p < P; p++) {
            d[p] = s[p];
        }
        for (; p < PL; p++) {
            d[p] = 0.0f;
        }
    }
    for (int i = 0; i < cg * HW; i++) {
        ldx[i] = 0.0f;
    }
    global const float* wg = w + c0 * TAPS;
    for (int p0 = 0; p0 < PL; p0 += DXT * 16) {
        const int pend = min(p0 + DXT * 16, P), oy0 = p0 / OW, ox0 = p0 - oy0 * OW;
        for (int b = 0; b < rows; b += DXR) {
            float16 acc[DXR][DXT];
            _Pragma("unroll") for (int j = 0; j < DXR; j++) {
                _Pragma("unroll") for (int q = 0; q < DXT; q++) {
                    acc[j][q] = (float16)(0.0f);
                }
            }
            int at[DXR]; /* the block's rows' weights, the last row repeated past the group's end (summed, not added) */
            _Pragma("unroll") for (int j = 0; j < DXR; j++) {
                const int row = min(b + j, rows - 1), c = row / TAPS, sr = row - c * TAPS, s = sr / KS, r = sr - s * KS;
                at[j] = c * TAPS + r * KS + s;
            }
            global const float* wk = wg;
            local const float* dk = ldy + p0;
            for (int k = 0; k < K; k++) {
                float16 d[DXT];
                _Pragma("unroll") for (int q = 0; q < DXT; q++) {
                    d[q] = vload16(q, dk);
                }
                _Pragma("unroll") for (int j = 0; j < DXR; j++) {
                    const float16 wv = (float16)(wk[at[j]]);
                    _Pragma("unroll") for (int q = 0; q < DXT; q++) {
                        acc[j][q] = MADD(wv, d[q], acc[j][q]);
                    }
                }
                wk += CRS;
                dk += PL;
            }
            _Pragma("unroll") for (int j = 0; j < DXR; j++) { /* unrolled: acc[j] not indexed at run time (spilled) */
                if (b + j >= rows) {
                    break;
                }
                const int row = b + j, c = row / TAPS, sr = row - c * TAPS, s = sr / KS, r = sr - s * KS;
                local float* dst = ldx + c * HW + r * W + s;
#ifdef DX_OW8
                /* rows of a multiple of 8 pixels (DX_OW8 = OW): every 8 pixels of a run are half of one accumulator,
                   added from the register (through blk, each half's load waited on the whole vector's store) */
                _Pragma("unroll") for (int q = 0; q < DXT; q++) {
                    _Pragma("unroll") for (int h = 0; h < 2; h++) {
                        const int p = p0 + q * 16 + h * 8, oy = p / DX_OW8, ox = p - oy * DX_OW8;
                        if (p < P) {
                            local float* o = dst + oy * W + ox;
                            vstore8(vload8(0, o) + (h ? acc[j][q].hi : acc[j][q].lo), 0, o);
                        }
                    }
                }
                continue;
#endif
                _Pragma("unroll") for (int q = 0; q < DXT; q++) {
                    vstore16(acc[j][q], q, blk);
                }
                for (int p = p0, oy = oy0, ox = ox0; p < pend; oy++, ox = 0) { /* a run of one output row's pixels at a time */
                    const int run = min(OW - ox, pend - p);
                    local float* o = dst + oy * W + ox;
                    local const float* src = blk + (p - p0);
                    int l = 0;
                    for (; l + 8 <= run; l += 8) {
                        vstore8(vload8(0, o + l) + vload8(0, src + l), 0, o + l);
                    }
                    for (; l < run; l++) {
                        o[l] += src[l];
                    }
                    p += run;
                }
            }
        }
    }
    global float* out = dx + ((long)n * C + c0) * HW;
    int i = 0;
    for (; i + 16 <= cg * HW; i += 16) {
        GSTORE_V(vload16(0, ldx + i), out + i);
    }
    for (; i < cg * HW; i++) {
        out[i] = ldx[i];
    }
}

#endif
