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
 * The 1-D transforms below are B^T, G, A^T, A and G^T written out (wino_in, wino_filter,
 * wino_out, wino_grad, wino_filter_grad); a 2-D transform applies one down the columns, then
 * along the rows.
 * V and M hold their WA*WA planes ps floats apart (ps is not a multiple of 4 KiB: streams
 * whose starts alias in the cache ran at a third of the speed).
 * Tiles: t = (n - n0) * TH * TW + ty * TW + tx covers outputs (WM ty .., WM tx ..) and inputs
 * from (WM ty - pad, WM tx - pad). One work-item per (channel, tile), consecutive work-items on
 * consecutive tiles. The input gradient of such a convolution is one too (of dy, with the
 * filters turned 180 degrees and their channels swapped, padding 2 - pad): winograd_filter's
 * flip builds those filters.
 */

#ifndef WM
#define WM 2
#endif
#define WA (WM + 2)

#if WM == 2
/*   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
inline void wino_in(const float* d, float* o) {
    o[0] = d[0] - d[2];
    o[1] = d[1] + d[2];
    o[2] = d[2] - d[1];
    o[3] = d[1] - d[3];
}

inline void wino_filter(const float* g, float* o) {
    o[0] = g[0];
    o[1] = 0.5f * (g[0] + g[1] + g[2]);
    o[2] = 0.5f * (g[0] - g[1] + g[2]);
    o[3] = g[2];
}

inline void wino_out(const float* m, float* o) {
    o[0] = m[0] + m[1] + m[2];
    o[1] = m[1] - m[2] - m[3];
}

/* A dy and G^T m, the weight gradient's transforms (see winograd_dy) */
inline void wino_grad(const float* d, float* o) {
    o[0] = d[0];
    o[1] = d[0] + d[1];
    o[2] = d[0] - d[1];
    o[3] = -d[1];
}

inline void wino_filter_grad(const float* m, float* o) {
    const float p = 0.5f * (m[1] + m[2]);
    o[0] = m[0] + p;
    o[1] = 0.5f * (m[1] - m[2]);
    o[2] = p + m[3];
}
#elif WM == 4
/* Interpolation points 0, 1, -1, 2, -2 and infinity:
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
inline void wino_in(const float* d, float* o) {
    const float a = d[3] - 4.0f * d[1], b = d[4] - 4.0f * d[2]; /* shared by rows 1, 2 */
    const float c = 2.0f * (d[3] - d[1]), e = d[4] - d[2];      /* rows 3, 4 */
    o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    o[1] = a + b;
    o[2] = b - a;
    o[3] = e + c;
    o[4] = e - c;
    o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

inline void wino_filter(const float* g, float* o) {
    o[0] = 0.25f * g[0];
    o[1] = (-1.0f / 6) * (g[0] + g[1] + g[2]);
    o[2] = (-1.0f / 6) * (g[0] - g[1] + g[2]);
    o[3] = (1.0f / 24) * g[0] + (1.0f / 12) * g[1] + (1.0f / 6) * g[2];
    o[4] = (1.0f / 24) * g[0] - (1.0f / 12) * g[1] + (1.0f / 6) * g[2];
    o[5] = g[2];
}

inline void wino_out(const float* m, float* o) {
    const float p1 = m[1] + m[2], q1 = m[1] - m[2], p2 = m[3] + m[4], q2 = m[3] - m[4];
    o[0] = m[0] + p1 + p2;
    o[1] = q1 + 2.0f * q2;
    o[2] = p1 + 4.0f * p2;
    o[3] = q1 + 8.0f * q2 + m[5];
}

inline void wino_grad(const float* d, float* o) {
    const float p = d[0] + d[2], q = d[1] + d[3], r = d[0] + 4.0f * d[2], u = 2.0f * d[1] + 8.0f * d[3];
    o[0] = d[0];
    o[1] = p + q;
    o[2] = p - q;
    o[3] = r + u;
    o[4] = r - u;
    o[5] = d[3];
}

inline void wino_filter_grad(const float* m, float* o) {
    const float p1 = m[1] + m[2], q1 = m[1] - m[2], p2 = m[3] + m[4], q2 = m[3] - m[4];
    o[0] = 0.25f * m[0] - (1.0f / 6) * p1 + (1.0f / 24) * p2;
    o[1] = (-1.0f / 6) * q1 + (1.0f / 12) * q2;
    o[2] = (-1.0f / 6) * p1 + (1.0f / 6) * p2 + m[5];
}
#else
#error "WM must be 2 or 4"
#endif

/* out = B^T d B */
inline void wino_in2(float d[WA][WA], float out[WA][WA]) {
    float s[WA][WA], col[WA], t[WA];
    for (int j = 0; j < WA; j++) {
        for (int i = 0; i < WA; i++) {
            col[i] = d[i][j];
        }
        wino_in(col, t);
        for (int i = 0; i < WA; i++) {
            s[i][j] = t[i];
        }
    }
    for (int i = 0; i < WA; i++) {
        wino_in(s[i], out[i]);
    }
}

/* out = A^T m A */
inline void wino_out2(float m[WA][WA], float out[WM][WM]) {
    float s[WM][WA], col[WA], t[WM];
    for (int j = 0; j < WA; j++) {
        for (int i = 0; i < WA; i++) {
            col[i] = m[i][j];
        }
        wino_out(col, t);
        for (int i = 0; i < WM; i++) {
            s[i][j] = t[i];
        }
    }
    for (int i = 0; i < WM; i++) {
        wino_out(s[i], out[i]);
    }
}

/* U for KO x CI filters: flip = 0, g = w[a][b] of w [KO][CI][3][3]; flip = 1, g = w[b][a] turned
   180 degrees, of w [CI][KO][3][3] (the input gradient's filters). */
kernel void winograd_filter(global const float* w, global float* U, int KO, int CI, int flip) {
    const int e = get_global_id(0);
    if (e >= KO * CI) {
        return;
    }
    const int a = e / CI, b = e - a * CI;
    float g[3][3];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            g[i][j] = flip ? w[(b * KO + a) * 9 + (2 - i) * 3 + (2 - j)] : w[e * 9 + i * 3 + j];
        }
    }
    float s[WA][3], col[3], t[WA]; /* G g */
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < 3; i++) {
            col[i] = g[i][j];
        }
        wino_filter(col, t);
        for (int i = 0; i < WA; i++) {
            s[i][j] = t[i];
        }
    }
    const int plane = KO * CI;
    for (int i = 0; i < WA; i++) { /* (G g) G^T */
        wino_filter(s[i], t);
        for (int j = 0; j < WA; j++) {
            U[(i * WA + j) * plane + e] = t[j];
        }
    }
}

/* The WAxWA input tile of plane at (h0, w0), zeros outside H x W; rowIn[i]: row h0 + i is inside. */
inline void wino_load(global const float* plane, int W, int h0, int w0, const bool* rowIn, float d[WA][WA]) {
    for (int i = 0; i < WA; i++) {
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
    for (int i = 0; i < WA; i++) {
        rowIn[i] = h0 + i >= 0 && h0 + i < H;
    }
    float d[WA][WA], v[WA][WA];
    wino_load(x + ((long)n * C + c) * H * W, W, h0, w0, rowIn, d);
    wino_in2(d, v);
    const long stride = ps;
    global float* out = V + (long)c * ld + t;
    for (int i = 0; i < WA; i++) {
        for (int j = 0; j < WA; j++) {
            out[(i * WA + j) * stride] = v[i][j];
        }
    }
}

/* The WMxWM outputs of tile (ty, tx) into plane [OH][OW], plus b, those inside only. */
inline void wino_store(global float* plane, int OH, int OW, int ty, int tx, float y[WM][WM], float b) {
    for (int i = 0; i < WM; i++) {
        const int h = WM * ty + i;
        for (int j = 0; j < WM; j++) {
            const int w = WM * tx + j;
            if (h < OH && w < OW) {
                plane[h * OW + w] = y[i][j] + b;
            }
        }
    }
}

/* The WAxWA transform A d A^T of dy's WMxWM tile (ty, tx) of plane [OH][OW] (zeros outside), into out[xi * ps]. */
inline void wino_dy_tile(global const float* plane, int OH, int OW, int ty, int tx, global float* out, int ps) {
    float d[WM][WM], s[WA][WM], col[WM], t[WA], v[WA][WA];
    for (int i = 0; i < WM; i++) {
        const int h = WM * ty + i;
        for (int j = 0; j < WM; j++) {
            const int w = WM * tx + j;
            d[i][j] = h < OH && w < OW ? plane[h * OW + w] : 0.0f;
        }
    }
    for (int j = 0; j < WM; j++) {
        for (int i = 0; i < WM; i++) {
            col[i] = d[i][j];
        }
        wino_grad(col, t);
        for (int i = 0; i < WA; i++) {
            s[i][j] = t[i];
        }
    }
    for (int i = 0; i < WA; i++) {
        wino_grad(s[i], v[i]);
    }
    const long stride = ps;
    for (int i = 0; i < WA; i++) {
        for (int j = 0; j < WA; j++) {
            out[(i * WA + j) * stride] = v[i][j];
        }
    }
}

/* y [N][K][OH][OW] for images n0 .. n0+nb from M [WA*WA][K][ld], plus bias when has_bias. */
kernel void winograd_output(global const float* M, global const float* bias, int has_bias, global float* y, int K, int OH, int OW,
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
    for (int i = 0; i < WA; i++) {
        for (int j = 0; j < WA; j++) {
            m[i][j] = in[(i * WA + j) * stride];
        }
    }
    wino_out2(m, o);
    wino_store(y + ((long)n * K + k) * OH * OW, OH, OW, ty, tx, o, has_bias ? bias[k] : 0.0f);
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
    for (int i = 0; i < WA; i++) {
        rowIn[i] = h0 + i >= 0 && h0 + i < H;
    }
    for (int tx = 0; tx < TW; tx++) {
        float d[WA][WA], v[WA][WA];
        wino_load(plane, W, h0, WM * tx - pad, rowIn, d);
        wino_in2(d, v);
        for (int i = 0; i < WA; i++) {
            for (int j = 0; j < WA; j++) {
                out[(i * WA + j) * stride + tx] = v[i][j];
            }
        }
    }
}

/* winograd_output with a work-item per (tile row, filter), walking the row's tiles in order. */
kernel void winograd_output_rows(global const float* M, global const float* bias, int has_bias, global float* y, int K, int OH, int OW,
                                 int TH, int TW, int n0, int T, int ld, int ps) {
    const int row = get_global_id(0), k = get_global_id(1);
    if (row >= T / TW || k >= K) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl;
    const long stride = ps;
    global const float* in = M + (long)k * ld + (long)row * TW;
    const float b = has_bias ? bias[k] : 0.0f;
    global float* plane = y + ((long)n * K + k) * OH * OW;
    for (int tx = 0; tx < TW; tx++) {
        float m[WA][WA], o[WM][WM];
        for (int i = 0; i < WA; i++) {
            for (int j = 0; j < WA; j++) {
                m[i][j] = in[(i * WA + j) * stride + tx];
            }
        }
        wino_out2(m, o);
        wino_store(plane, OH, OW, ty, tx, o, b);
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

/* dw [K][C][3][3] = G^T P[., k, c] G from P [WA*WA][K][C] */
kernel void winograd_filter_grad(global const float* P, global float* dw, int KC) {
    const int e = get_global_id(0);
    if (e >= KC) {
        return;
    }
    float m[WA][WA], s[3][WA], col[WA], t[3];
    for (int i = 0; i < WA; i++) {
        for (int j = 0; j < WA; j++) {
            m[i][j] = P[(long)(i * WA + j) * KC + e];
        }
    }
    for (int j = 0; j < WA; j++) {
        for (int i = 0; i < WA; i++) {
            col[i] = m[i][j];
        }
        wino_filter_grad(col, t);
        for (int i = 0; i < 3; i++) {
            s[i][j] = t[i];
        }
    }
    for (int i = 0; i < 3; i++) {
        wino_filter_grad(s[i], t);
        for (int j = 0; j < 3; j++) {
            dw[e * 9 + i * 3 + j] = t[j];
        }
    }
}
