/*
 * im2col.cl — the data movement around a convolution computed as a GEMM.
 *
 *   x   : [N, C, H, W]             input, NCHW
 *   col : [C*R*S, nb*OH*OW]        for the images n0 .. n0+nb-1 of the batch
 *         col[(c*R + i)*S + j, (n*OH + oy)*OW + ox] = x[n0+n, c, oy*st - pad + i, ox*st - pad + j]
 *         (0 where the window hangs over the padding)
 *   Y   : [K, nb*OH*OW]            GEMM output, reordered into y [N, K, OH, OW] (+ bias)
 *
 * col2im is written as a gather (one work-item per input element, summing the col
 * entries that read it), so it needs no atomics and is deterministic.
 */

kernel void im2col(global const float* x, global float* col,
                   int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int q = get_global_id(0); /* column: (n*OH + oy)*OW + ox */
    const int row = get_global_id(1); /* (c*R + i)*S + j */
    const int cols = nb * OH * OW;
    if (q >= cols || row >= C * R * S) {
        return;
    }
    const int ox = q % OW, oy = (q / OW) % OH, n = q / (OW * OH);
    const int j = row % S, i = (row / S) % R, c = row / (S * R);
    const int ih = oy * st - pad + i, iw = ox * st - pad + j;
    float v = 0.0f;
    if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
        v = x[(((n0 + n) * C + c) * H + ih) * W + iw];
    }
    col[row * cols + q] = v;
}

kernel void col2im(global const float* col, global float* x,
                   int C, int H, int W, int R, int S, int st, int pad, int OH, int OW, int n0, int nb) {
    const int e = get_global_id(0); /* element of images n0 .. n0+nb-1 */
    if (e >= nb * C * H * W) {
        return;
    }
    const int w = e % W, h = (e / W) % H, c = (e / (W * H)) % C, n = e / (W * H * C);
    const int cols = nb * OH * OW;
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
            s += col[((c * R + i) * S + j) * cols + (n * OH + oy) * OW + tx / st];
        }
    }
    x[n0 * C * H * W + e] = s;
}

/* y[n0+n, k, p] = Y[k, n*P + p] + bias[k]; P = OH*OW. */
kernel void cols_to_nchw(global const float* Y, global const float* bias, int has_bias, global float* y,
                         int K, int P, int n0, int nb) {
    const int e = get_global_id(0); /* (n*K + k)*P + p within the chunk */
    if (e >= nb * K * P) {
        return;
    }
    const int p = e % P, k = (e / P) % K, n = e / (P * K);
    y[n0 * K * P + e] = Y[k * nb * P + n * P + p] + (has_bias ? bias[k] : 0.0f);
}

/* Y[k, n*P + p] = y[n0+n, k, p]: the output gradient in the GEMM's layout. */
kernel void nchw_to_cols(global const float* y, global float* Y, int K, int P, int n0, int nb) {
    const int e = get_global_id(0);
    if (e >= nb * K * P) {
        return;
    }
    const int p = e % P, k = (e / P) % K, n = e / (P * K);
    Y[k * nb * P + n * P + p] = y[n0 * K * P + e];
}
