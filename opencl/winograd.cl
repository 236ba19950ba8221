/*
 * winograd.cl — Winograd F(WMxWM, 3x3) convolution for 3x3 kernels with stride 1 (Lavin and
 * Gray 2015): each WMxWM block of outputs comes from a WAxWA input tile (WA = WM + 2) with
 * WA*WA multiplications per input-output channel pair instead of 9*WM*WM. Built with -DWM=2,
 * F(2x2, 3x3): 16 instead of 36 (2.25x fewer); or -DWM=4, F(4x4, 3x3): 36 instead of 144 (4x).
 *
 *   U[xi, k, c] = (G g[k, c] G^T)[xi]          filter transform, WAxWA from 3x3
 *   V[xi, c, t] = (B^T d[c, t] B)[xi]          input transform of tile t (WAxWA, zero padded)
 *   M[xi]       = U[xi] (K x C) * V[xi] (C x T) WA*WA GEMMs (ClGemm), batched by the caller
 *   y[k, t]     = A^T M[., k, t] A + bias[k]   output transform, WMxWM per tile
 *
 * The weight gradient is the dual algorithm, F(3x3, WMxWM), on the same tiles (dy's WMxWM tile
 * as the filter, x's WAxWA tile as the input; Lavin and Gray's formula turned by the chain rule):
 *
 *   D[xi, k, t]  = (A dy[k, t] A^T)[xi]        winograd_dy, WAxWA from WMxWM (zeros past OH, OW)
 *   P[xi]        = D[xi] (K x T) * V[xi]^T     WA*WA GEMMs summing over tiles and images
 *   dw[k, c]     = G^T P[., k, c] G            winograd_filter_grad, 3x3 from WAxWA
 *
 * The 1-D transforms below are B^T, G, A^T, A and G^T written out (WINO_IN, WINO_FILTER,
 * WINO_OUT, WINO_GRAD, WINO_FILTER_GRAD) as macros, so that they serve float and the vectors
 * of VT tiles alike; WINO_2D applies one down the columns, then along the rows.
 *
 * The _vec kernels (a tile row per work-item, where MovementTuner chose rows) hold VT = 16/WM
 * consecutive tiles in the lanes of a vector: the VT tiles' 16 + 2 input columns are one
 * vload16 and one vload2 per row, split into columns by swizzles, and each of the WA*WA
 * results is one vector store. Their input is a zero-padded copy (tensor.cl's pad_planes_rows) so
 * that no load needs a bounds check; a row's last group overlaps the one before it (it
 * writes the same values again) so that every store is whole.
 * V and M hold their WA*WA planes ps floats apart (ps is not a multiple of 4 KiB: streams
 * whose starts alias in the cache ran at a third of the speed).
 * Tiles: t = (n - n0) * TH * TW + ty * TW + tx covers outputs (WM ty .., WM tx ..) and inputs
 * from (WM ty - pad, WM tx - pad). One work-item per (channel, tile), consecutive work-items on
 * consecutive tiles. The input gradient of such a convolution is one too (of dy, with the
 * filters turned 180 degrees and their channels swapped, padding 2 - pad): winograd_filter's
 * flip builds those filters.
 */

#include "madd.h"
#include "reduction.h"
#include "epilogue.h"

#ifndef WM
#define WM 2
#endif
#define WA (WM + 2)

#if WM == 2
#define VT 8 /* 16 / WM, written out for token pasting */
/*   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#define WINO_IN(T, d, o) { o[0] = d[0] - d[2]; o[1] = d[1] + d[2]; o[2] = d[2] - d[1]; o[3] = d[1] - d[3]; }
#define WINO_FILTER(T, g, o) {                                                                                   \
        o[0] = g[0]; o[1] = 0.5f * (g[0] + g[1] + g[2]); o[2] = 0.5f * (g[0] - g[1] + g[2]); o[3] = g[2]; }
#define WINO_OUT(T, m, o) { o[0] = m[0] + m[1] + m[2]; o[1] = m[1] - m[2] - m[3]; }
#define WINO_GRAD(T, d, o) { o[0] = d[0]; o[1] = d[0] + d[1]; o[2] = d[0] - d[1]; o[3] = -d[1]; }
#define WINO_FILTER_GRAD(T, m, o) {                                                                              \
        const T p_ = 0.5f * (m[1] + m[2]);                                                                       \
        o[0] = m[0] + p_; o[1] = 0.5f * (m[1] - m[2]); o[2] = p_ + m[3]; }
/* lanes l of column j: input column WM*l + j of the 18 in a (16) and b (2) */
#define SPLIT_IN(a, b, d) {                                                                                      \
        d[0] = a.s02468ace; d[1] = a.s13579bdf; d[2] = (float8)(a.s2468, a.sace, b.s0); d[3] = (float8)(a.s3579, a.sbdf, b.s1); }
#define SPLIT_DY(a, d) { d[0] = a.s02468ace; d[1] = a.s13579bdf; }
/* the 16 output columns of a row from its WM column vectors o */
#define JOIN_OUT(o) ((float16)(o[0].s0, o[1].s0, o[0].s1, o[1].s1, o[0].s2, o[1].s2, o[0].s3, o[1].s3,               \
                               o[0].s4, o[1].s4, o[0].s5, o[1].s5, o[0].s6, o[1].s6, o[0].s7, o[1].s7))
#elif WM == 4
#define VT 4
/* Interpolation points 0, 1, -1, 2, -2 and infinity:
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
#define WINO_IN(T, d, o) {                                                                                       \
        const T a_ = d[3] - 4.0f * d[1], b_ = d[4] - 4.0f * d[2], c_ = 2.0f * (d[3] - d[1]), e_ = d[4] - d[2];   \
        o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4]; o[1] = a_ + b_; o[2] = b_ - a_; o[3] = e_ + c_; o[4] = e_ - c_;   \
        o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5]; }
#define WINO_FILTER(T, g, o) {                                                                                   \
        o[0] = 0.25f * g[0]; o[1] = (-1.0f / 6) * (g[0] + g[1] + g[2]); o[2] = (-1.0f / 6) * (g[0] - g[1] + g[2]); \
        o[3] = (1.0f / 24) * g[0] + (1.0f / 12) * g[1] + (1.0f / 6) * g[2];                                     \
        o[4] = (1.0f / 24) * g[0] - (1.0f / 12) * g[1] + (1.0f / 6) * g[2]; o[5] = g[2]; }
#define WINO_OUT(T, m, o) {                                                                                      \
        const T p1_ = m[1] + m[2], q1_ = m[1] - m[2], p2_ = m[3] + m[4], q2_ = m[3] - m[4];                      \
        o[0] = m[0] + p1_ + p2_; o[1] = q1_ + 2.0f * q2_; o[2] = p1_ + 4.0f * p2_; o[3] = q1_ + 8.0f * q2_ + m[5]; }
#define WINO_GRAD(T, d, o) {                                                                                     \
        const T p_ = d[0] + d[2], q_ = d[1] + d[3], r_ = d[0] + 4.0f * d[2], u_ = 2.0f * d[1] + 8.0f * d[3];     \
        o[0] = d[0]; o[1] = p_ + q_; o[2] = p_ - q_; o[3] = r_ + u_; o[4] = r_ - u_; o[5] = d[3]; }
#define WINO_FILTER_GRAD(T, m, o) {                                                                              \
        const T p1_ = m[1] + m[2], q1_ = m[1] - m[2], p2_ = m[3] + m[4], q2_ = m[3] - m[4];                      \
        o[0] = 0.25f * m[0] - (1.0f / 6) * p1_ + (1.0f / 24) * p2_; o[1] = (-1.0f / 6) * q1_ + (1.0f / 12) * q2_; \
        o[2] = (-1.0f / 6) * p1_ + (1.0f / 6) * p2_ + m[5]; }
#define SPLIT_IN(a, b, d) {                                                                                      \
        d[0] = a.s048c; d[1] = a.s159d; d[2] = a.s26ae; d[3] = a.s37bf;                                          \
        d[4] = (float4)(a.s48c, b.s0); d[5] = (float4)(a.s59d, b.s1); }
#define SPLIT_DY(a, d) { d[0] = a.s048c; d[1] = a.s159d; d[2] = a.s26ae; d[3] = a.s37bf; }
#define JOIN_OUT(o) ((float16)(o[0].s0, o[1].s0, o[2].s0, o[3].s0, o[0].s1, o[1].s1, o[2].s1, o[3].s1,               \
                               o[0].s2, o[1].s2, o[2].s2, o[3].s2, o[0].s3, o[1].s3, o[2].s3, o[3].s3))
#else
#error "WM must be 2 or 4"
#endif
#define floatV CAT(float, VT)
#define vloadV CAT(vload, VT)
#define vstoreV CAT(vstore, VT)

/* out[LO][LO] = F applied to d[LI][LI] down the columns, then along the rows (T: float or floatV) */
#define WINO_2D(T, LI, LO, F, d, out) {                                                                          \
        T s2_[LO][LI], c2_[LI], t2_[LO];                                                                         \
        _Pragma("unroll") for (int j_ = 0; j_ < LI; j_++) {                                                      \
            _Pragma("unroll") for (int i_ = 0; i_ < LI; i_++) {                                                  \
                c2_[i_] = d[i_][j_];                                                                             \
            }                                                                                                    \
            F(T, c2_, t2_);                                                                                      \
            _Pragma("unroll") for (int i_ = 0; i_ < LO; i_++) {                                                  \
                s2_[i_][j_] = t2_[i_];                                                                           \
            }                                                                                                    \
        }                                                                                                        \
        _Pragma("unroll") for (int i_ = 0; i_ < LO; i_++) {                                                      \
            F(T, s2_[i_], out[i_]);                                                                              \
        }                                                                                                        \
    }

/* U for KO x CI filters: flip = 0, g = w[a][b] of w [KO][CI][3][3]; flip = 1, g = w[b][a] turned
   180 degrees, of w [CI][KO][3][3] (the input gradient's filters). */
kernel void winograd_filter(global const float* w, global float* U, int KO, int CI, int flip) {
    const int e = get_global_id(0);
    if (e >= KO * CI) {
        return;
    }
    const int a = e / CI, b = e - a * CI;
    float g[3][3], u[WA][WA];
    #pragma unroll
    for (int i = 0; i < 3; i++) {
        #pragma unroll
        for (int j = 0; j < 3; j++) {
            g[i][j] = flip ? w[(b * KO + a) * 9 + (2 - i) * 3 + (2 - j)] : w[e * 9 + i * 3 + j];
        }
    }
    WINO_2D(float, 3, WA, WINO_FILTER, g, u);
    const int plane = KO * CI;
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            U[(i * WA + j) * plane + e] = u[i][j];
        }
    }
}

/* The WAxWA input tile of plane at (h0, w0), zeros outside H x W; rowIn[i]: row h0 + i is inside. */
inline void wino_load(global const float* plane, int W, int h0, int w0, const bool* rowIn, float d[WA][WA]) {
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            const int w = w0 + j;
            d[i][j] = rowIn[i] && w >= 0 && w < W ? plane[(h0 + i) * W + w] : 0.0f;
        }
    }
}

/* V [WA*WA][C][ld] for images n0 .. n0+nb of x [N][C][H][W]; T = nb * TH * TW tiles. */
kernel void winograd_input(global const float* x, global float* V, int C, int H, int W, int pad, int TH, int TW,
                           int n0, int T, int ld, int ps) {
    const int e = get_global_id(0);
    if (e >= C * T) {
        return;
    }
    const int c = e / T, t = e - c * T;
    const int n = n0 + t / (TH * TW), r = t % (TH * TW), ty = r / TW, tx = r - ty * TW;
    const int h0 = WM * ty - pad, w0 = WM * tx - pad;
    bool rowIn[WA];
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        rowIn[i] = h0 + i >= 0 && h0 + i < H;
    }
    float d[WA][WA], v[WA][WA];
    wino_load(x + ((long)n * C + c) * H * W, W, h0, w0, rowIn, d);
    WINO_2D(float, WA, WA, WINO_IN, d, v);
    const long stride = ps;
    global float* out = V + (long)c * ld + t;
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            out[(i * WA + j) * stride] = v[i][j];
        }
    }
}

/* The WMxWM outputs of tile (ty, tx) into plane [OH][OW], plus b, those inside only. */
inline void wino_store(global float* plane, int OH, int OW, int ty, int tx, float y[WM][WM], float b, int flags) {
    #pragma unroll
    for (int i = 0; i < WM; i++) {
        const int h = WM * ty + i;
        #pragma unroll
        for (int j = 0; j < WM; j++) {
            const int w = WM * tx + j;
            if (h < OH && w < OW) {
                plane[h * OW + w] = EPILOGUE(y[i][j] + b, flags);
            }
        }
    }
}

/* The WAxWA transform A d A^T of dy's WMxWM tile (ty, tx) of plane [OH][OW] (zeros outside), into out[xi * ps]. */
inline void wino_dy_tile(global const float* plane, int OH, int OW, int ty, int tx, global float* out, int ps) {
    float d[WM][WM], v[WA][WA];
    #pragma unroll
    for (int i = 0; i < WM; i++) {
        const int h = WM * ty + i;
        #pragma unroll
        for (int j = 0; j < WM; j++) {
            const int w = WM * tx + j;
            d[i][j] = h < OH && w < OW ? plane[h * OW + w] : 0.0f;
        }
    }
    WINO_2D(float, WM, WA, WINO_GRAD, d, v);
    const long stride = ps;
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            out[(i * WA + j) * stride] = v[i][j];
        }
    }
}

/* y [N][K][OH][OW] for images n0 .. n0+nb from M [WA*WA][K][ld], with the epilogue of flags (epilogue.h). */
kernel void winograd_output(global const float* M, global const float* bias, int flags, global float* y, int K, int OH, int OW,
                            int TH, int TW, int n0, int T, int ld, int ps) {
    const int e = get_global_id(0);
    if (e >= K * T) {
        return;
    }
    const int k = e / T, t = e - k * T;
    const int n = n0 + t / (TH * TW), r = t % (TH * TW), ty = r / TW, tx = r - ty * TW;
    const long stride = ps;
    global const float* in = M + (long)k * ld + t;
    float m[WA][WA], o[WM][WM];
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            m[i][j] = in[(i * WA + j) * stride];
        }
    }
    WINO_2D(float, WA, WM, WINO_OUT, m, o);
    wino_store(y + ((long)n * K + k) * OH * OW, OH, OW, ty, tx, o, (flags & EPI_BIAS) ? bias[k] : 0.0f, flags);
}

/* winograd_input with a work-item per (tile row, channel): it walks the row's tiles in order,
   so reads and each of the WA*WA writes run along memory (CPU runtimes; MovementTuner chooses). */
kernel void winograd_input_rows(global const float* x, global float* V, int C, int H, int W, int pad, int TH, int TW,
                                int n0, int T, int ld, int ps) {
    const int row = get_global_id(0), c = get_global_id(1);
    if (row >= T / TW || c >= C) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl, h0 = WM * ty - pad;
    global const float* plane = x + ((long)n * C + c) * H * W;
    const long stride = ps;
    global float* out = V + (long)c * ld + (long)row * TW;
    bool rowIn[WA];
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        rowIn[i] = h0 + i >= 0 && h0 + i < H;
    }
    for (int tx = 0; tx < TW; tx++) {
        float d[WA][WA], v[WA][WA];
        wino_load(plane, W, h0, WM * tx - pad, rowIn, d);
        WINO_2D(float, WA, WA, WINO_IN, d, v);
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            #pragma unroll
            for (int j = 0; j < WA; j++) {
                out[(i * WA + j) * stride + tx] = v[i][j];
            }
        }
    }
}

/* winograd_output with a work-item per (tile row, filter), walking the row's tiles in order. */
kernel void winograd_output_rows(global const float* M, global const float* bias, int flags, global float* y, int K, int OH, int OW,
                                 int TH, int TW, int n0, int T, int ld, int ps) {
    const int row = get_global_id(0), k = get_global_id(1);
    if (row >= T / TW || k >= K) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl;
    const long stride = ps;
    global const float* in = M + (long)k * ld + (long)row * TW;
    const float b = (flags & EPI_BIAS) ? bias[k] : 0.0f;
    global float* plane = y + ((long)n * K + k) * OH * OW;
    for (int tx = 0; tx < TW; tx++) {
        float m[WA][WA], o[WM][WM];
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            #pragma unroll
            for (int j = 0; j < WA; j++) {
                m[i][j] = in[(i * WA + j) * stride + tx];
            }
        }
        WINO_2D(float, WA, WM, WINO_OUT, m, o);
        wino_store(plane, OH, OW, ty, tx, o, b, flags);
    }
}

/* winograd_input_rows on xp (pad_planes_rows' copy, HP >= WM*TH + 2, WP >= WM*TW + 2), VT tiles at once; TW >= VT. */
kernel void winograd_input_vec(global const float* xp, global float* V, int C, int HP, int WP, int TH, int TW, int T, int ld,
                               int ps) {
    const int row = get_global_id(0), c = get_global_id(1);
    if (row >= T / TW || c >= C) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH;
    global const float* plane = xp + ((long)nl * C + c) * HP * WP + (long)WM * ty * WP;
    const long stride = ps;
    global float* out = V + (long)c * ld + (long)row * TW;
    for (int g = 0; g < TW; g += VT) {
        const int tx0 = min(g, TW - VT);
        floatV d[WA][WA], v[WA][WA];
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            global const float* p = plane + i * WP + WM * tx0;
            const float16 a = vload16(0, p);
            const float2 b = vload2(0, p + 16);
            SPLIT_IN(a, b, d[i]);
        }
        WINO_2D(floatV, WA, WA, WINO_IN, d, v);
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            #pragma unroll
            for (int j = 0; j < WA; j++) {
                vstoreV(v[i][j], 0, out + (i * WA + j) * stride + tx0);
            }
        }
    }
}

/* winograd_output_rows, VT tiles at once; TW >= VT. */
kernel void winograd_output_vec(global const float* M, global const float* bias, int flags, global float* y, int K, int OH, int OW,
                                int TH, int TW, int n0, int T, int ld, int ps) {
    const int row = get_global_id(0), k = get_global_id(1);
    if (row >= T / TW || k >= K) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl;
    const long stride = ps;
    global const float* in = M + (long)k * ld + (long)row * TW;
    const float b = (flags & EPI_BIAS) ? bias[k] : 0.0f;
    global float* plane = y + ((long)n * K + k) * OH * OW;
    const int rows = min(WM, OH - WM * ty);
    for (int g = 0; g < TW; g += VT) {
        const int tx0 = min(g, TW - VT);
        floatV m[WA][WA], o[WM][WM];
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            #pragma unroll
            for (int j = 0; j < WA; j++) {
                m[i][j] = vloadV(0, in + (i * WA + j) * stride + tx0);
            }
        }
        WINO_2D(floatV, WA, WM, WINO_OUT, m, o);
        const int w0 = WM * tx0, whole = w0 + 16 <= OW;
        for (int i = 0; i < rows; i++) {
            const float16 r = EPILOGUE(JOIN_OUT(o[i]) + b, flags);
            global float* dst = plane + (WM * ty + i) * OW + w0;
            if (whole) {
                vstore16(r, 0, dst);
            } else { /* the row's last tile is partial */
                float t[16];
                vstore16(r, 0, t);
                for (int q = 0; q < OW - w0; q++) {
                    dst[q] = t[q];
                }
            }
        }
    }
}

/* winograd_dy_rows, VT tiles at once; TW >= VT. */
kernel void winograd_dy_vec(global const float* dy, global float* D, int K, int OH, int OW, int TH, int TW, int n0, int T, int ld,
                            int ps) {
    const int row = get_global_id(0), k = get_global_id(1);
    if (row >= T / TW || k >= K) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl;
    global const float* plane = dy + ((long)n * K + k) * OH * OW;
    global float* out = D + (long)k * ld + (long)row * TW;
    const long stride = ps;
    for (int g = 0; g < TW; g += VT) {
        const int tx0 = min(g, TW - VT), w0 = WM * tx0, whole = w0 + 16 <= OW;
        floatV d[WM][WM], v[WA][WA];
        #pragma unroll
        for (int i = 0; i < WM; i++) {
            const int h = WM * ty + i;
            float16 a = 0.0f;
            if (h < OH && whole) {
                a = vload16(0, plane + h * OW + w0);
            } else if (h < OH) { /* the row's last tile is partial */
                float t[16];
                for (int q = 0; q < 16; q++) {
                    t[q] = w0 + q < OW ? plane[h * OW + w0 + q] : 0.0f;
                }
                a = vload16(0, t);
            }
            SPLIT_DY(a, d[i]);
        }
        WINO_2D(floatV, WM, WA, WINO_GRAD, d, v);
        #pragma unroll
        for (int i = 0; i < WA; i++) {
            #pragma unroll
            for (int j = 0; j < WA; j++) {
                vstoreV(v[i][j], 0, out + (i * WA + j) * stride + tx0);
            }
        }
    }
}

/* The _lanes kernels, for planes whose tile rows are narrower than a vector (TW < VT: 7x7 and
   14x14 planes): a work-item holds 16 consecutive tiles t0 .. t0+15 (across tile rows and
   images) in the lanes of a float16. Each lane gathers its tile from a zero-padded copy at its
   own offset (no bounds checks), the transforms run on whole vectors, and each of the WA*WA
   results of V or D is one vector store: the caller's ld is a multiple of 16, and lanes past
   T transform tile T-1 again into columns that no GEMM reads. Global (ceil(T/16), channels),
   one work-item per group. */
/* o[l] = the offset in a padded copy [nl * C + c][HP][WP] of the top-left input of tile t0 + l
   (clamped to T - 1). Scalar loops: written with int16 arithmetic, the offsets came out wrong
   under oclgrind 21.10 (reads out of bounds), though right on PoCL. */
inline void lane_offsets(int t0, int T, int TH, int TW, int C, int c, int HP, int WP, int* o) {
    #pragma unroll
    for (int l = 0; l < 16; l++) {
        const int t = min(t0 + l, T - 1), nl = t / (TH * TW), r = t - nl * (TH * TW), ty = r / TW, tx = r - ty * TW;
        o[l] = ((nl * C + c) * HP + WM * ty) * WP + WM * tx;
    }
}

/* The 16 lanes' values d floats past their own offsets o. */
inline float16 gather16(global const float* p, const int* o, int d) {
    float v[16];
    #pragma unroll
    for (int l = 0; l < 16; l++) {
        v[l] = p[o[l] + d];
    }
    return vload16(0, v);
}

/* The WA*WA planes of 16 tiles, ps floats apart from out, one vector store each. */
#define STORE_PLANES16(v, out, ps)                                                                               \
    _Pragma("unroll") for (int i_ = 0; i_ < WA; i_++) {                                                          \
        _Pragma("unroll") for (int j_ = 0; j_ < WA; j_++) {                                                      \
            vstore16(v[i_][j_], 0, (out) + (i_ * WA + j_) * (long)(ps));                                         \
        }                                                                                                        \
    }

/* d[i][j] = the 16 lanes' values at row i, column j of their N x N tiles (rows WP floats apart, off floats in). */
#define GATHER_TILES16(p, o, off, WP, N, d)                                                                      \
    _Pragma("unroll") for (int i_ = 0; i_ < (N); i_++) {                                                         \
        _Pragma("unroll") for (int j_ = 0; j_ < (N); j_++) {                                                     \
            d[i_][j_] = gather16(p, o, (off) + i_ * (WP) + j_);                                                  \
        }                                                                                                        \
    }

/* winograd_input_rows on xp (pad_planes_rows' copy, HP = WM*TH + 2, WP = WM*TW + 2), 16 tiles at once. */
kernel void winograd_input_lanes(global const float* xp, global float* V, int C, int HP, int WP, int TH, int TW, int T, int ld,
                                 int ps) {
    const int t0 = get_global_id(0) * 16, c = get_global_id(1);
    if (t0 >= T || c >= C) {
        return;
    }
    int o[16];
    lane_offsets(t0, T, TH, TW, C, c, HP, WP, o);
    float16 d[WA][WA], v[WA][WA];
    GATHER_TILES16(xp, o, 0, WP, WA, d);
    WINO_2D(float16, WA, WA, WINO_IN, d, v);
    STORE_PLANES16(v, V + (long)c * ld + t0, ps);
}

/* winograd_input_vec where a tile row is exactly VT tiles (TW == VT: 14x14 planes with F(4x4),
   16x16 with F(2x2)): the 16/VT consecutive tile rows of 16 consecutive tiles fill a float16, each
   row read as the _vec kernels read it (one vload16 and one vload2 per input row, split by
   swizzles) instead of by 16 gathers. Rows past the last are the last again, into columns no
   GEMM reads. Global (ceil(T/16), C). */
kernel void winograd_input_vec16(global const float* xp, global float* V, int C, int HP, int WP, int TH, int TW, int T, int ld,
                                 int ps) {
    const int t0 = get_global_id(0) * 16, c = get_global_id(1);
    if (t0 >= T || c >= C) {
        return;
    }
    global const float* rows[16 / VT];
    #pragma unroll
    for (int r = 0; r < 16 / VT; r++) {
        const int row = min(t0 / VT + r, T / VT - 1), nl = row / TH, ty = row - nl * TH;
        rows[r] = xp + ((long)nl * C + c) * HP * WP + (long)WM * ty * WP;
    }
    float16 d[WA][WA], v[WA][WA];
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        floatV part[16 / VT][WA];
        #pragma unroll
        for (int r = 0; r < 16 / VT; r++) {
            global const float* p = rows[r] + i * WP;
            const float16 a = vload16(0, p);
            const float2 b = vload2(0, p + 16);
            SPLIT_IN(a, b, part[r]);
        }
        #pragma unroll
        for (int j = 0; j < WA; j++) {
#if VT == 4
            d[i][j] = (float16)(part[0][j], part[1][j], part[2][j], part[3][j]);
#else
            d[i][j] = (float16)(part[0][j], part[1][j]);
#endif
        }
    }
    WINO_2D(float16, WA, WA, WINO_IN, d, v);
    STORE_PLANES16(v, V + (long)c * ld + t0, ps);
}

/* o = A^T m A for the 16 tiles whose WA*WA planes of M start at in, ps floats apart. */
#define OUT16(in, ps, o) {                                                                                       \
        float16 m_[WA][WA];                                                                                      \
        _Pragma("unroll") for (int i_ = 0; i_ < WA; i_++) {                                                      \
            _Pragma("unroll") for (int j_ = 0; j_ < WA; j_++) {                                                  \
                m_[i_][j_] = vload16(0, (in) + (i_ * WA + j_) * (long)(ps));                                     \
            }                                                                                                    \
        }                                                                                                        \
        WINO_2D(float16, WA, WM, WINO_OUT, m_, o);                                                               \
    }

/* Lanes [VT*r, VT*r + VT) of a float16: tile row r of winograd_*_vec16's 16 tiles (r constant once unrolled). */
#if VT == 4
#define ROW_PART(v, r) ((r) == 0 ? (v).s0123 : (r) == 1 ? (v).s4567 : (r) == 2 ? (v).s89ab : (v).scdef)
#else
#define ROW_PART(v, r) ((r) == 0 ? (v).lo : (v).hi)
#endif

/* winograd_output_vec where a tile row is exactly VT tiles (TW == VT): 16 tiles of 16/VT tile
   rows from whole vector loads of M, each output row of a tile row joined into one float16
   (as winograd_output_vec does) and stored at once, or its first OW values when OW < 16. */
kernel void winograd_output_vec16(global const float* M, global const float* bias, int flags, global float* y, int K, int OH,
                                  int OW, int TH, int TW, int n0, int T, int ld, int ps) {
    const int t0 = get_global_id(0) * 16, k = get_global_id(1);
    if (t0 >= T || k >= K) {
        return;
    }
    float16 o[WM][WM];
    OUT16(M + (long)k * ld + t0, ps, o);
    const float b = (flags & EPI_BIAS) ? bias[k] : 0.0f;
    #pragma unroll
    for (int r = 0; r < 16 / VT; r++) {
        const int row = t0 / VT + r;
        if (row < T / VT) {
            const int nl = row / TH, ty = row - nl * TH;
            global float* plane = y + ((long)(n0 + nl) * K + k) * OH * OW + (long)WM * ty * OW;
            const int rows = min(WM, OH - WM * ty);
            #pragma unroll
            for (int i = 0; i < WM; i++) {
                floatV part[WM];
                #pragma unroll
                for (int j = 0; j < WM; j++) {
                    part[j] = ROW_PART(o[i][j], r);
                }
                const float16 v = EPILOGUE(JOIN_OUT(part) + b, flags);
                if (i < rows && OW >= 16) {
                    vstore16(v, 0, plane + i * OW);
                } else if (i < rows) { /* the row's last tile is partial */
                    float t[16];
                    vstore16(v, 0, t);
                    for (int q = 0; q < OW; q++) {
                        plane[i * OW + q] = t[q];
                    }
                }
            }
        }
    }
}

/* winograd_dy_rows on dp, a zero-padded copy of dy [..][HP][WP] whose values start off floats into
   each plane (HP >= off / WP + WM*TH, with zeros past OH and OW: pad_planes_rows' copy of dy, or
   the input gradient's padded copy of it), 16 tiles at once. */
kernel void winograd_dy_lanes(global const float* dp, int off, global float* D, int K, int HP, int WP, int TH, int TW, int T, int ld,
                              int ps) {
    const int t0 = get_global_id(0) * 16, k = get_global_id(1);
    if (t0 >= T || k >= K) {
        return;
    }
    int o[16];
    lane_offsets(t0, T, TH, TW, K, k, HP, WP, o);
    float16 d[WM][WM], v[WA][WA];
    GATHER_TILES16(dp, o, off, WP, WM, d);
    WINO_2D(float16, WM, WA, WINO_GRAD, d, v);
    STORE_PLANES16(v, D + (long)k * ld + t0, ps);
}

/* winograd_output_rows, 16 tiles at once: whole vector loads of M, each lane's outputs stored
   to its own tile (those inside OH x OW; lanes past T store nothing). */
kernel void winograd_output_lanes(global const float* M, global const float* bias, int flags, global float* y, int K, int OH,
                                  int OW, int TH, int TW, int n0, int T, int ld, int ps) {
    const int t0 = get_global_id(0) * 16, k = get_global_id(1);
    if (t0 >= T || k >= K) {
        return;
    }
    float16 o[WM][WM];
    OUT16(M + (long)k * ld + t0, ps, o);
    float lanes[WM][WM][16];
    const float b = (flags & EPI_BIAS) ? bias[k] : 0.0f;
    #pragma unroll
    for (int i = 0; i < WM; i++) {
        #pragma unroll
        for (int j = 0; j < WM; j++) {
            vstore16(EPILOGUE(o[i][j] + b, flags), 0, lanes[i][j]);
        }
    }
    for (int l = 0; l < 16 && t0 + l < T; l++) {
        const int t = t0 + l, nl = t / (TH * TW), r = t - nl * (TH * TW), ty = r / TW, tx = r - ty * TW;
        global float* plane = y + ((long)(n0 + nl) * K + k) * OH * OW;
        for (int i = 0; i < WM && WM * ty + i < OH; i++) {
            for (int j = 0; j < WM && WM * tx + j < OW; j++) {
                plane[(WM * ty + i) * OW + WM * tx + j] = lanes[i][j][l];
            }
        }
    }
}

/* D [WA*WA][K][ld] for images n0 .. n0+nb of dy [N][K][OH][OW] (see the header). */
kernel void winograd_dy(global const float* dy, global float* D, int K, int OH, int OW, int TH, int TW, int n0, int T, int ld,
                        int ps) {
    const int e = get_global_id(0);
    if (e >= K * T) {
        return;
    }
    const int k = e / T, t = e - k * T;
    const int n = n0 + t / (TH * TW), r = t % (TH * TW), ty = r / TW, tx = r - ty * TW;
    wino_dy_tile(dy + ((long)n * K + k) * OH * OW, OH, OW, ty, tx, D + (long)k * ld + t, ps);
}

/* winograd_dy with a work-item per (tile row, filter), walking the row's tiles in order. */
kernel void winograd_dy_rows(global const float* dy, global float* D, int K, int OH, int OW, int TH, int TW, int n0, int T,
                             int ld, int ps) {
    const int row = get_global_id(0), k = get_global_id(1);
    if (row >= T / TW || k >= K) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl;
    global const float* plane = dy + ((long)n * K + k) * OH * OW;
    global float* out = D + (long)k * ld + (long)row * TW;
    for (int tx = 0; tx < TW; tx++) {
        wino_dy_tile(plane, OH, OW, ty, tx, out + tx, ps);
    }
}

/* db[k] (+= when accumulate) = the sum over tiles t < T of D[WA + 1][k][t] (D's plane at off):
   the (1, 1) element of A dy A^T is its tile's sum (A's row 1 is all ones), so the bias
   gradient needs no pass over dy of its own. A work-item per filter, its row in 16-wide vectors
   (where work-items run one by one). */
kernel void winograd_bias_grad(global const float* D, int off, global float* db, int K, int T, int ld, int accumulate) {
    const int k = get_global_id(0);
    if (k >= K) {
        return;
    }
    const float s = plane_sum(D + off + (long)k * ld, T, 0.0f, 0);
    db[k] = accumulate ? db[k] + s : s;
}

/* dw [K][C][3][3] = G^T P[., k, c] G from P [WA*WA][K][C] */
kernel void winograd_filter_grad(global const float* P, global float* dw, int KC) {
    const int e = get_global_id(0);
    if (e >= KC) {
        return;
    }
    float m[WA][WA], o[3][3];
    #pragma unroll
    for (int i = 0; i < WA; i++) {
        #pragma unroll
        for (int j = 0; j < WA; j++) {
            m[i][j] = P[(long)(i * WA + j) * KC + e];
        }
    }
    WINO_2D(float, WA, 3, WINO_FILTER_GRAD, m, o);
    #pragma unroll
    for (int i = 0; i < 3; i++) {
        #pragma unroll
        for (int j = 0; j < 3; j++) {
            dw[e * 9 + i * 3 + j] = o[i][j];
        }
    }
}
