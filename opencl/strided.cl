/*
 * strided.cl — direct convolution for stride-2 layers (square filters up to 7x7, padding up to
 * 3, ungrouped): the ResNets' downsampling 3x3 convolutions and their 1x1 shortcuts. Through
 * im2col + GEMM they ran at ~40 GFLOP/s at batch 64 on PoCL 3.1: writing the column matrix,
 * packing it and reordering the product back to NCHW cost more than the product.
 *
 * A work-group is one work-item: one image, blocks of TM output channels, the whole output
 * plane. It first copies its image into local memory with zeros around each plane (rows
 * Wp = W + 2*PAD wide, each with its even columns first; Hp rows: the padding, and spare rows
 * that the last vectors may read past the plane), so that no tap needs a mask and the inputs
 * of 16 outputs of a row are one vector load per tap, shared by TM filters. Where a row has
 * at most 8 outputs, a vector takes two output rows (its second half from two input rows down).
 *
 *   strided_conv: out[n, o, oh, ow] = sum_i sum_rs xpad[n, i, 2*oh + r, 2*ow + s] * w[o, i, r, s] (+ bias[o])
 *   strided_dx:   dx[n, c, ih, iw] = sum_k sum_rs dy[n, k, oh, ow] * w[k, c, r, s] where ih = 2*oh + r - pad,
 *                 iw = 2*ow + s - pad (the input gradient, by output column parity; see below)
 *
 *   strided_conv1: the same for 1x1 filters without padding, read from x itself (below)
 *
 * Build: -DKS -DTM -DPAIRS=0|1 (strided_conv, strided_conv1); -DKS -DTM -DPADDING -DPAIRS=0|1 (strided_dx).
 */
#ifndef KS
#define KS 3
#endif
#ifndef TM
#define TM 8
#endif
#ifndef PAIRS
#define PAIRS 0 /* 1: two output rows per vector (rows of at most 8 outputs) */
#endif

#include "madd.h"
#include "epilogue.h"

/* Source x = x0 + 2k + j (j = 0: a.even, 1: a.odd) is padded column x + pad: even columns go to
   ev[(x + pad) / 2], odd ones to od[(x + pad) / 2]. Both halves of each loaded vector are used,
   so LLVM keeps one vector load and two permutes per chunk. */
#define STRIDED_SPLIT(V, N, x0)                                                             \
    {                                                                                      \
        if (pad & 1) {                                                                     \
            CAT(vstore, N)((V).even, 0, od + ((x0) + pad) / 2);                            \
            CAT(vstore, N)((V).odd, 0, ev + ((x0) + pad + 1) / 2);                         \
        } else {                                                                           \
            CAT(vstore, N)((V).even, 0, ev + ((x0) + pad) / 2);                            \
            CAT(vstore, N)((V).odd, 0, od + ((x0) + pad) / 2);                             \
        }                                                                                  \
    }

/* A row of W floats into its padded row's even (ev) and odd (od) halves: chunks of 16 (of 8
   for shorter rows) from even columns of x, the last one overlapping the one before so that
   nothing past the row is read; an element a chunk cannot reach, one at a time. */
inline void strided_copy_row(global const float* src, local float* ev, local float* od, int W, int pad) {
    int done = 0;
    if (W >= 16) {
        for (int x0 = 0; x0 + 16 <= W; x0 += 16) {
            STRIDED_SPLIT(vload16(0, src + x0), 8, x0)
        }
        const int last = (W - 16) & ~1;
        STRIDED_SPLIT(vload16(0, src + last), 8, last)
        done = last + 16;
    } else if (W >= 8) {
        STRIDED_SPLIT(vload8(0, src), 4, 0)
        const int last = (W - 8) & ~1;
        STRIDED_SPLIT(vload8(0, src + last), 4, last)
        done = last + 8;
    }
    for (int x = done; x < W; x++) {
        const int c = x + pad;
        ((c & 1) ? od : ev)[c >> 1] = src[x];
    }
}

/* lp[0 .. total) = 0 */
inline void strided_zero(local float* lp, int total) {
    int e = 0;
    for (; e + 16 <= total; e += 16) {
        vstore16((float16)(0.0f), 0, lp + e);
    }
    for (; e < total; e++) {
        lp[e] = 0.0f;
    }
}

/* y (16 outputs of row oh from column ow0; with PAIRS, 8 of row oh and 8 of row oh+1) to the
   plane o, each plus rp's where flags has EPI_RESIDUAL: whole vectors where the lanes past the
   row land in later rows of this plane, which this work-item stores afterwards; lane by lane
   elsewhere. */
inline void strided_store(float16 y, int oh, int ow0, int OH, int OW, int flags, global const float* rp, global float* o) {
    if (PAIRS) {
        if (oh * OW + 8 <= OH * OW) {
            const float8 r = (flags & EPI_RESIDUAL) ? vload8(0, rp + oh * OW) : (float8)(0.0f);
            vstore8(EPILOGUE(y.lo + r, flags), 0, o + oh * OW);
        } else {
            for (int l = 0; l < OW; l++) {
                const float r = (flags & EPI_RESIDUAL) ? rp[oh * OW + l] : 0.0f;
                o[oh * OW + l] = EPILOGUE(y.lo[l] + r, flags);
            }
        }
        if ((oh + 1) * OW + 8 <= OH * OW) {
            const float8 r = (flags & EPI_RESIDUAL) ? vload8(0, rp + (oh + 1) * OW) : (float8)(0.0f);
            vstore8(EPILOGUE(y.hi + r, flags), 0, o + (oh + 1) * OW);
        } else if (oh + 1 < OH) {
            for (int l = 0; l < OW; l++) {
                const float r = (flags & EPI_RESIDUAL) ? rp[(oh + 1) * OW + l] : 0.0f;
                o[(oh + 1) * OW + l] = EPILOGUE(y.hi[l] + r, flags);
            }
        }
    } else if (oh * OW + ow0 + 16 <= OH * OW) {
        const float16 r = (flags & EPI_RESIDUAL) ? vload16(0, rp + oh * OW + ow0) : (float16)(0.0f);
        vstore16(EPILOGUE(y + r, flags), 0, o + oh * OW + ow0);
    } else {
        for (int l = 0; l < OW - ow0; l++) {
            const float r = (flags & EPI_RESIDUAL) ? rp[oh * OW + ow0 + l] : 0.0f;
            o[oh * OW + ow0 + l] = EPILOGUE(y[l] + r, flags);
        }
    }
}

/* 16 floats of x from at, those past x's total floats read as its last (their lanes are never stored). */
inline float16 strided_load16(global const float* x, long at, long total) {
    if (at + 16 <= total) {
        return vload16(0, x + at);
    }
    float t[16];
    for (int l = 0; l < 16; l++) {
        t[l] = x[min(at + l, total - 1)];
    }
    return vload16(0, t);
}

/* Global (1, groups, N), one work-item per group: image n, output channels in blocks of TM
   from get_global_id(1) * kper blocks on (the image is copied once per work-group, so a
   work-group takes all the channels where the batch alone keeps the device busy). lp holds
   CI*Hp*Wp + 32 floats: each padded row stored with its even columns first, then its odd
   ones, so that the inputs of 16 outputs of a row, two apart, lie next to each other (the
   shuffles that pick even lanes out of two vectors PoCL's LLVM turned into single-float
   loads). Hp is at least H + 2*pad and 2*OH + KS + 1; a vector's lanes past a row's outputs
   read on into the row's other half, the next rows, or the 32 floats after the last plane,
   and are never stored. */
kernel void strided_conv(global const float* x, global const float* w, global const float* bias, int flags,
                         global const float* res, global float* out, int CI, int KO, int H, int W, int OH, int OW, int pad, int Hp,
                         int kper, local float* lp) {
    const int n = get_global_id(2), b0 = get_global_id(1) * kper;
    if (b0 * TM >= KO) {
        return;
    }
    const int Wp = W + 2 * pad, E = (Wp + 1) / 2, PP = Hp * Wp, total = CI * PP + 32;
    strided_zero(lp, total);
    for (int i = 0; i < CI; i++) {
        global const float* src = x + ((long)n * CI + i) * H * W;
        for (int y = 0; y < H; y++) {
            local float* row = lp + i * PP + (y + pad) * Wp;
            strided_copy_row(src + y * W, row, row + E, W, pad);
        }
    }
    const int rows = PAIRS ? 2 : 1;
    for (int blk = b0; blk < b0 + kper && blk * TM < KO; blk++) {
        const int o0 = blk * TM;
        global const float* wo[TM];
        float bo[TM];
        for (int t = 0; t < TM; t++) {
            const int o = min(o0 + t, KO - 1);
            wo[t] = w + (long)o * CI * KS * KS;
            bo[t] = (flags & EPI_BIAS) ? bias[o] : 0.0f;
        }
        for (int oh = 0; oh < OH; oh += rows) {
            for (int ow0 = 0; ow0 < OW; ow0 += 16) {
                float16 acc[TM];
                _Pragma("unroll")
                for (int t = 0; t < TM; t++) {
                    acc[t] = (float16)(0.0f);
                }
                local const float* base = lp + 2 * oh * Wp + ow0;
                for (int i = 0; i < CI; i++) {
                    local const float* plane = base + i * PP;
                    _Pragma("unroll")
                    for (int r = 0; r < KS; r++) {
                        _Pragma("unroll")
                        for (int s = 0; s < KS; s++) {
                            local const float* q = plane + r * Wp + ((s & 1) ? E + (s >> 1) : (s >> 1));
                            #if PAIRS
                            const float16 xv = (float16)(vload8(0, q), vload8(0, q + 2 * Wp));
#else
                            const float16 xv = vload16(0, q);
#endif
                            _Pragma("unroll")
                            for (int t = 0; t < TM; t++) {
                                acc[t] = MADD((float16)(wo[t][(i * KS + r) * KS + s]), xv, acc[t]);
                            }
                        }
                    }
                }
                _Pragma("unroll")
                for (int t = 0; t < TM; t++) {
                    if (o0 + t < KO) {
                        const long plane = ((long)n * KO + o0 + t) * OH * OW;
                        strided_store(acc[t] + (float16)(bo[t]), oh, ow0, OH, OW, flags, res + plane, out + plane);
                    }
                }
            }
        }
    }
}

/* The 1x1 stride-2 layers (no padding; the ResNets' projection shortcuts): out[n, o, oh, ow] =
   sum_i x[n, i, 2*oh, 2*ow] * w[o, i] (+ bias[o]), from x itself, without strided_conv's copy
   into local memory: with one tap each input value meets each filter once, and the copy (and
   zeroing) had cost more than the sums (resnet20's shortcuts at ~60 GFLOP/s). The even lanes of
   two loads make a vector of 16 outputs of a row (with PAIRS, 8 of two rows); lanes past the row
   read on into the next rows (never stored), and a load that would pass x's end reads its lanes
   one by one. Global (1, groups, N) as strided_conv's, kper blocks of TM filters per work-item. */
kernel void strided_conv1(global const float* x, global const float* w, global const float* bias, int flags,
                          global const float* res, global float* out, int CI, int KO, int H, int W, int OH, int OW, int kper) {
    const int n = get_global_id(2), b0 = get_global_id(1) * kper;
    if (b0 * TM >= KO) {
        return;
    }
    const long total = (long)get_global_size(2) * CI * H * W, HW = (long)H * W;
    const int rows = PAIRS ? 2 : 1;
    for (int blk = b0; blk < b0 + kper && blk * TM < KO; blk++) {
        const int o0 = blk * TM;
        global const float* wo[TM];
        float bo[TM];
        for (int t = 0; t < TM; t++) {
            const int o = min(o0 + t, KO - 1);
            wo[t] = w + (long)o * CI;
            bo[t] = (flags & EPI_BIAS) ? bias[o] : 0.0f;
        }
        for (int oh = 0; oh < OH; oh += rows) {
            for (int ow0 = 0; ow0 < OW; ow0 += 16) {
                float16 acc[TM];
                _Pragma("unroll")
                for (int t = 0; t < TM; t++) {
                    acc[t] = (float16)(0.0f);
                }
                long at = ((long)n * CI * H + 2 * oh) * W + 2 * ow0;
                for (int i = 0; i < CI; i++, at += HW) {
#if PAIRS
                    const float16 xv = (float16)(strided_load16(x, at, total).even, strided_load16(x, at + 2 * W, total).even);
#else
                    const float16 xv = (float16)(strided_load16(x, at, total).even, strided_load16(x, at + 16, total).even);
#endif
                    _Pragma("unroll")
                    for (int t = 0; t < TM; t++) {
                        acc[t] = MADD((float16)(wo[t][i]), xv, acc[t]);
                    }
                }
                _Pragma("unroll")
                for (int t = 0; t < TM; t++) {
                    if (o0 + t < KO) {
                        const long plane = ((long)n * KO + o0 + t) * OH * OW;
                        strided_store(acc[t] + (float16)(bo[t]), oh, ow0, OH, OW, flags, res + plane, out + plane);
                    }
                }
            }
        }
    }
}

#ifdef PADDING
/* strided_dx's padding, a build option: which phase of the output columns a tap column reaches
   and how far it reads are then constants. */
#define BORDER ((KS + 1) / 2) /* zero rows and columns around each dy plane in local memory */
#define PHASE(s) (((s) + PADDING) & 1)
#define SHIFT(s) ((PHASE(s) + PADDING - (s)) / 2)
#ifdef __clang__
#define ZIP_LO(a, b) __builtin_shufflevector(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
#define ZIP_HI(a, b) __builtin_shufflevector(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
#else
#define ZIP_LO(a, b) shuffle2(a, b, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23))
#define ZIP_HI(a, b) shuffle2(a, b, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31))
#endif

#if PAIRS /* two output rows ih and ih + 2 per vector (rows of at most 8 outputs per phase) */
#define DX_LOAD(q) ((float16)(vload8(0, (q)), vload8(0, (q) + Wp)))
#else
#define DX_LOAD(q) vload16(0, (q))
#endif

/* One dy plane's taps for an output row whose taps are the rows r = R0, R0 + 2, ...: row r reads
   dy row oh - (r - R0) / 2 (row points at oh's), column tap s feeds the outputs of phase PHASE(s)
   from SHIFT(s) columns on. */
#define STRIDED_DX_TAPS(R0)                                                                    \
    _Pragma("unroll") for (int r = (R0); r < KS; r += 2) {                                     \
        local const float* q = row - ((r - (R0)) / 2) * Wp;                                    \
        _Pragma("unroll") for (int s = 0; s < KS; s++) {                                       \
            const float16 v = DX_LOAD(q + SHIFT(s));                                           \
            _Pragma("unroll") for (int t = 0; t < TM; t++) {                                   \
                acc[PHASE(s)][t] = MADD((float16)(wk[t * KS * KS + r * KS + s]), v, acc[PHASE(s)][t]); \
            }                                                                                  \
        }                                                                                      \
    }

/* The input gradient of a stride-2 layer: dx[n, c, ih, iw] = sum_k sum_rs dy[n, k, oh, ow] * w[k, c, r, s]
   over the taps with ih = 2*oh + r - PADDING and iw = 2*ow + s - PADDING, w [K][C][KS][KS]. im2col's
   (a GEMM into a column matrix, then col2im adding it back at stride 2) ran at ~80 GFLOP/s.
   Output columns iw = 2j + b split by parity b: the taps s that reach phase b are those with
   s + PADDING = b (mod 2), each at ow = j + SHIFT(s), so 16 consecutive j read 16 consecutive dy
   values, one vector load per tap and filter, and no tap needs a mask: the image's dy planes sit
   in local memory with BORDER zero rows and columns around each and 16 more columns for the last
   vector's lanes. Rows alike: output row ih takes the taps r = ih + PADDING (mod 2). The two
   phases' sums are interleaved into 32 consecutive outputs of the row. PAIRS (phases of at most
   8 columns, a 14-wide layer's): a vector's upper half takes output row ih + 2, whose taps are
   row ih's one dy row down (a 7-wide phase had filled 7 of 16 lanes).
   Global (1, groups, N), one work-item per group: image n, blocks of TM input channels from
   get_global_id(1) * cper on (the dy image is copied once per work-group); the host keeps TM <= C,
   and a last block where C is no multiple of TM is shifted back onto channels an earlier block
   stored (it stores only its own). lp holds K * (OH + 2*BORDER + 1) * (OW + 2*BORDER + 16) floats. */
kernel void strided_dx(global const float* dy, global const float* w, global float* dx, int K, int C, int H, int W,
                       int OH, int OW, int cper, local float* lp) {
    const int n = get_global_id(2), b0 = get_global_id(1) * cper;
    if (b0 * TM >= C) {
        return;
    }
    const int Wp = OW + 2 * BORDER + 16, PS = (OH + 2 * BORDER + 1) * Wp, total = K * PS; /* a row more: PAIRS' upper half */
    strided_zero(lp, total);
    for (int k = 0; k < K; k++) {
        global const float* src = dy + ((long)n * K + k) * OH * OW;
        for (int oh = 0; oh < OH; oh++) {
            local float* d = lp + k * PS + (oh + BORDER) * Wp + BORDER;
            int i = 0;
            for (; i + 16 <= OW; i += 16) {
                vstore16(vload16(0, src + oh * OW + i), 0, d + i);
            }
            for (; i < OW; i++) {
                d[i] = src[oh * OW + i];
            }
        }
    }
    const int J = (W + 1) / 2; /* output columns of the even phase (the odd one has W / 2) */
    for (int blk = b0; blk < b0 + cper && blk * TM < C; blk++) {
        const int c0 = blk * TM, cb = min(c0, C - TM); /* the first channel computed */
        for (int ih = 0; ih < H; ih += PAIRS && (ih & 1) ? 3 : 1) { /* PAIRS: 0 (and 2), 1 (and 3), 4, 5, ... */
            const int r0 = (ih + PADDING) & 1, oh = (ih + PADDING - r0) / 2; /* row r0's dy row */
            for (int j0 = 0; j0 < J; j0 += 16) {
                float16 acc[2][TM];
                _Pragma("unroll") for (int t = 0; t < TM; t++) {
                    acc[0][t] = (float16)(0.0f);
                    acc[1][t] = (float16)(0.0f);
                }
                local const float* row = lp + (oh + BORDER) * Wp + BORDER + j0;
                global const float* wk = w + (long)cb * KS * KS;
                if (r0) {
                    for (int k = 0; k < K; k++) {
                        STRIDED_DX_TAPS(1)
                        row += PS;
                        wk += (long)C * KS * KS;
                    }
                } else {
                    for (int k = 0; k < K; k++) {
                        STRIDED_DX_TAPS(0)
                        row += PS;
                        wk += (long)C * KS * KS;
                    }
                }
                const int lanes = min(32, W - 2 * j0);
                _Pragma("unroll") for (int t = 0; t < TM; t++) { /* constant indices keep acc in registers */
                    if (t < c0 - cb) {
                        continue;
                    }
                    global float* o = dx + (((long)n * C + cb + t) * H + ih) * W + 2 * j0;
                    const float16 lo = ZIP_LO(acc[0][t], acc[1][t]), hi = ZIP_HI(acc[0][t], acc[1][t]);
                    if (PAIRS) { /* lo is row ih, hi row ih + 2; rows are W <= 16 apart */
                        float tmp[32];
                        vstore16(lo, 0, tmp);
                        vstore16(hi, 0, tmp + 16);
                        for (int l = 0; l < W; l++) {
                            o[l] = tmp[l];
                        }
                        if (ih + 2 < H) {
                            for (int l = 0; l < W; l++) {
                                o[2 * W + l] = tmp[16 + l];
                            }
                        }
                    } else if (lanes == 32) {
                        vstore16(lo, 0, o);
                        vstore16(hi, 0, o + 16);
                    } else {
                        float tmp[32];
                        vstore16(lo, 0, tmp);
                        vstore16(hi, 0, tmp + 16);
                        for (int l = 0; l < lanes; l++) {
                            o[l] = tmp[l];
                        }
                    }
                }
            }
        }
    }
}
#endif
