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
 *
 * Build: -DKS -DTM -DPAIRS=0|1.
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
                         global float* out, int CI, int KO, int H, int W, int OH, int OW, int pad, int Hp,
                         int kper, local float* lp) {
    const int n = get_global_id(2), b0 = get_global_id(1) * kper;
    if (b0 * TM >= KO) {
        return;
    }
    const int Wp = W + 2 * pad, E = (Wp + 1) / 2, PP = Hp * Wp, total = CI * PP + 32;
    int e = 0;
    for (; e + 16 <= total; e += 16) {
        vstore16((float16)(0.0f), 0, lp + e);
    }
    for (; e < total; e++) {
        lp[e] = 0.0f;
    }
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
                    if (o0 + t >= KO) {
                        continue;
                    }
                    const float16 y = EPILOGUE(acc[t] + (float16)(bo[t]), flags);
                    global float* o = out + ((long)n * KO + o0 + t) * OH * OW;
                    /* whole vectors where the lanes past the row land in later rows of this
                       plane, which this work-item stores afterwards; lane by lane elsewhere */
                    if (PAIRS) {
                        if (oh * OW + 8 <= OH * OW) {
                            vstore8(y.lo, 0, o + oh * OW);
                        } else {
                            for (int l = 0; l < OW; l++) {
                                o[oh * OW + l] = y.lo[l];
                            }
                        }
                        if ((oh + 1) * OW + 8 <= OH * OW) {
                            vstore8(y.hi, 0, o + (oh + 1) * OW);
                        } else if (oh + 1 < OH) {
                            for (int l = 0; l < OW; l++) {
                                o[(oh + 1) * OW + l] = y.hi[l];
                            }
                        }
                    } else if (oh * OW + ow0 + 16 <= OH * OW) {
                        vstore16(y, 0, o + oh * OW + ow0);
                    } else {
                        for (int l = 0; l < OW - ow0; l++) {
                            o[oh * OW + ow0 + l] = y[l];
                        }
                    }
                }
            }
        }
    }
}
