/*
 * winograd.cl — Winograd F(2x2, 3x3) convolution for 3x3 kernels with stride 1 (Lavin and
 * Gray 2015): each 2x2 block of outputs comes from a 4x4 input tile with 16 multiplications
 * per input-output channel pair instead of 36 (2.25x fewer).
 *
 *   U[xi, k, c] = (G g[k, c] G^T)[xi]          filter transform, 4x4 from 3x3
 *   V[xi, c, t] = (B^T d[c, t] B)[xi]          input transform of tile t (4x4, zero padded)
 *   M[xi]       = U[xi] (K x C) * V[xi] (C x T) 16 GEMMs (ClGemm), batched by the caller
 *   y[k, t]     = A^T M[., k, t] A + bias[k]   output transform, 2x2 per tile
 *
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 *
 * V and M hold their 16 planes ps floats apart (ps is not a multiple of 4 KiB: 16 streams
 * whose starts alias in the cache ran at a third of the speed).
 * Tiles: t = (n - n0) * TH * TW + ty * TW + tx covers outputs (2ty .. 2ty+1, 2tx .. 2tx+1)
 * and inputs from (2ty - pad, 2tx - pad). One work-item per (channel, tile), consecutive
 * work-items on consecutive tiles. The input gradient of such a convolution is one too (of
 * dy, with the filters turned 180 degrees and their channels swapped, padding 2 - pad):
 * winograd_filter's flip builds those filters.
 */

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
    float t[4][3]; /* G g */
    for (int j = 0; j < 3; j++) {
        t[0][j] = g[0][j];
        t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        t[3][j] = g[2][j];
    }
    const int plane = KO * CI;
    for (int i = 0; i < 4; i++) { /* (G g) G^T */
        U[(i * 4 + 0) * plane + e] = t[i][0];
        U[(i * 4 + 1) * plane + e] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        U[(i * 4 + 2) * plane + e] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        U[(i * 4 + 3) * plane + e] = t[i][2];
    }
}

/* V [16][C][ld] for images n0 .. n0+nb of x [N][C][H][W]; T = nb * TH * TW tiles. */
kernel void winograd_input(global const float* x, global float* V, int C, int H, int W, int pad, int TH, int TW,
                           int n0, int T, int ld, int ps) {
    const int e = get_global_id(0);
    if (e >= C * T) {
        return;
    }
    const int c = e / T, t = e - c * T;
    const int n = n0 + t / (TH * TW), r = t % (TH * TW), ty = r / TW, tx = r - ty * TW;
    const int h0 = 2 * ty - pad, w0 = 2 * tx - pad;
    global const float* plane = x + ((long)n * C + c) * H * W;
    float d[4][4];
    for (int i = 0; i < 4; i++) {
        const int h = h0 + i;
        for (int j = 0; j < 4; j++) {
            const int w = w0 + j;
            d[i][j] = h >= 0 && h < H && w >= 0 && w < W ? plane[h * W + w] : 0.0f;
        }
    }
    float s[4][4]; /* B^T d */
    for (int j = 0; j < 4; j++) {
        s[0][j] = d[0][j] - d[2][j];
        s[1][j] = d[1][j] + d[2][j];
        s[2][j] = d[2][j] - d[1][j];
        s[3][j] = d[1][j] - d[3][j];
    }
    const long stride = ps;
    global float* out = V + (long)c * ld + t;
    for (int i = 0; i < 4; i++) { /* (B^T d) B */
        out[(i * 4 + 0) * stride] = s[i][0] - s[i][2];
        out[(i * 4 + 1) * stride] = s[i][1] + s[i][2];
        out[(i * 4 + 2) * stride] = s[i][2] - s[i][1];
        out[(i * 4 + 3) * stride] = s[i][1] - s[i][3];
    }
}

/* y [N][K][OH][OW] for images n0 .. n0+nb from M [16][K][ld], plus bias when has_bias. */
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
    float m[4][4];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            m[i][j] = in[(i * 4 + j) * stride];
        }
    }
    float s[2][4]; /* A^T m */
    for (int j = 0; j < 4; j++) {
        s[0][j] = m[0][j] + m[1][j] + m[2][j];
        s[1][j] = m[1][j] - m[2][j] - m[3][j];
    }
    const float b = has_bias ? bias[k] : 0.0f;
    global float* plane = y + ((long)n * K + k) * OH * OW;
    for (int i = 0; i < 2; i++) { /* (A^T m) A */
        const int h = 2 * ty + i;
        if (h >= OH) {
            break;
        }
        const float v0 = s[i][0] + s[i][1] + s[i][2], v1 = s[i][1] - s[i][2] - s[i][3];
        plane[h * OW + 2 * tx] = v0 + b;
        if (2 * tx + 1 < OW) {
            plane[h * OW + 2 * tx + 1] = v1 + b;
        }
    }
}

/* winograd_input with a work-item per (tile row, channel): it walks the row's tiles in order,
   so reads and each of the 16 writes run along memory (CPU runtimes; MovementTuner chooses). */
kernel void winograd_input_rows(global const float* x, global float* V, int C, int H, int W, int pad, int TH, int TW,
                                int n0, int T, int ld, int ps) {
    const int row = get_global_id(0), c = get_global_id(1);
    if (row >= T / TW || c >= C) {
        return;
    }
    const int nl = row / TH, ty = row - nl * TH, n = n0 + nl, h0 = 2 * ty - pad;
    global const float* plane = x + ((long)n * C + c) * H * W;
    const long stride = ps;
    global float* out = V + (long)c * ld + (long)row * TW;
    bool rowIn[4];
    for (int i = 0; i < 4; i++) {
        rowIn[i] = h0 + i >= 0 && h0 + i < H;
    }
    for (int tx = 0; tx < TW; tx++) {
        const int w0 = 2 * tx - pad;
        float d[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                const int w = w0 + j;
                d[i][j] = rowIn[i] && w >= 0 && w < W ? plane[(h0 + i) * W + w] : 0.0f;
            }
        }
        float s[4][4];
        for (int j = 0; j < 4; j++) {
            s[0][j] = d[0][j] - d[2][j];
            s[1][j] = d[1][j] + d[2][j];
            s[2][j] = d[2][j] - d[1][j];
            s[3][j] = d[1][j] - d[3][j];
        }
        for (int i = 0; i < 4; i++) {
            out[(i * 4 + 0) * stride + tx] = s[i][0] - s[i][2];
            out[(i * 4 + 1) * stride + tx] = s[i][1] + s[i][2];
            out[(i * 4 + 2) * stride + tx] = s[i][2] - s[i][1];
            out[(i * 4 + 3) * stride + tx] = s[i][1] - s[i][3];
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
    const int rows = min(2, OH - 2 * ty);
    for (int tx = 0; tx < TW; tx++) {
        float m[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                m[i][j] = in[(i * 4 + j) * stride + tx];
            }
        }
        float s[2][4];
        for (int j = 0; j < 4; j++) {
            s[0][j] = m[0][j] + m[1][j] + m[2][j];
            s[1][j] = m[1][j] - m[2][j] - m[3][j];
        }
        for (int i = 0; i < rows; i++) {
            const int h = 2 * ty + i;
            plane[h * OW + 2 * tx] = s[i][0] + s[i][1] + s[i][2] + b;
            if (2 * tx + 1 < OW) {
                plane[h * OW + 2 * tx + 1] = s[i][1] - s[i][2] - s[i][3] + b;
            }
        }
    }
}
