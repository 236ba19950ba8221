/*
 * tensor.cl — small data-movement kernels: fill, gather of rows, bias broadcast and
 * the sums that give bias gradients (per column: one work-item each; per row: a
 * work-group each). Every sum runs in a fixed order, so results are deterministic.
 */

#include "reduction.h"
#include "epilogue.h"

kernel void fill(global float* x, float v, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] = v;
    }
}

/* dst[i, :] = src[idx[offset + i], :], rows of length row; idx float-coded. An index outside
   [0, src_rows) gives a row of NaN instead of a read out of bounds (the host cannot see the
   indices without a wait; the reference backend rejects them). */
kernel void gather_rows(global const float* src, global const float* idx, int offset, global float* dst, int row, int rows, int src_rows) {
    const int e = get_global_id(0);
    if (e >= rows * row) {
        return;
    }
    const int i = e / row;
    const float r = idx[offset + i];
    dst[e] = r >= 0.0f && r < (float)src_rows ? src[(int)r * row + e % row] : NAN;
}

/* y[i, o] += b[o] for y [rows, cols] (then the activation flags names). */
kernel void add_bias_rows(global float* y, global const float* b, int cols, int total, int flags) {
    const int e = get_global_id(0);
    if (e < total) {
        y[e] = EPILOGUE(y[e] + b[e % cols], flags); /* flags: epilogue.h's, a linear layer's fused ReLU */
    }
}

/* s[o] = sum_i y[i, o] for y [rows, cols]. */
kernel void sum_columns(global const float* y, global float* s, int rows, int cols) {
    const int o = get_global_id(0);
    if (o >= cols) {
        return;
    }
    float acc = 0.0f;
    for (int i = 0; i < rows; i++) {
        acc += y[i * cols + o];
    }
    s[o] = acc;
}

/* y[r, :] += b[r % K] for the rows r = n*K + k of y [N*K, P]: a bias per channel of NCHW data. */
kernel void add_bias_channels(global float* y, global const float* b, int flags, int K, int P, int rows) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    const float v = (flags & EPI_BIAS) ? b[r % K] : 0.0f;
    global float* row = y + r * P;
    for (int p = 0; p < P; p++) {
        row[p] = EPILOGUE(row[p] + v, flags);
    }
}

/* s[r] = sum of the P values of row r of y [rows, P]; one work-group per row (reduction.h). */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void row_sums(global const float* y, global float* s, int P, int rows) {
    local float t[RED];
    const int r = get_group_id(0), l = get_local_id(0);
    global const float* row = y + r * P;
    float acc = 0.0f;
    for (int p = l; p < P; p += RED) {
        acc += row[p];
    }
    acc = group_sum(t, acc);
    if (l == 0) {
        s[r] = acc;
    }
}

/* s[c] = the sum over images n and the P values of plane (n, c) of y [N, C, P]: a
   convolution's bias gradient. One work-group per channel whose work-items take whole planes
   (n = l, l + RED, ...) in 16-wide vectors, for devices whose work-items run one by one
   (MovementTuner's rows): row_sums' group per 49-value plane cost PoCL 3.1 9 ms for a batch
   of 64 x 64 planes. A fixed order: deterministic. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void channel_sums_rows(global const float* y, global float* s, int N, int C, int P) {
    local float t[RED];
    const int c = get_group_id(0), l = get_local_id(0);
    float part = 0.0f;
    for (int n = l; n < N; n += RED) {
        part += plane_sum(y + ((long)n * C + c) * P, P, 0.0f, 0);
    }
    part = group_sum(t, part);
    if (l == 0) {
        s[c] = part;
    }
}

/* y = a + b, then the activation of flags (epilogue.h): a residual block's add and ReLU in one pass;
   y may be a or b. */
kernel void add(global const float* a, global const float* b, global float* y, int flags, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        y[i] = EPILOGUE(a[i] + b[i], flags);
    }
}

/* add with values i0 .. i0+per-1 per work-item in 16-wide vectors (work-groups of one, where
   work-items run one after another): the runtime's own grouping had run it in 8-wide masked
   lanes at ~29 GB/s (resnet20's gradient sums at batch 64). */
kernel void add_rows(global const float* a, global const float* b, global float* y, int flags, int n, int per) {
    const long i0 = (long)get_global_id(0) * per, i1 = min((long)n, i0 + per);
    long i = i0;
    for (; i + 16 <= i1; i += 16) {
        vstore16(EPILOGUE(vload16(0, a + i) + vload16(0, b + i), flags), 0, y + i);
    }
    for (; i < i1; i++) {
        y[i] = EPILOGUE(a[i] + b[i], flags);
    }
}

/* dst[n, dc0 + c, :] = src[n, sc0 + c, :] for c < count, planes of P values: a slice along
   channels (concatenation, and the split of its gradient). */
kernel void copy_channels(global const float* src, int sC, int sc0, global float* dst, int dC, int dc0, int count, int P, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int per = count * P, n = e / per, r = e - n * per;
    dst[(n * dC + dc0) * P + r] = src[(n * sC + sc0) * P + r];
}

/* xp [planes][HP][WP]: planes first .. first+planes-1 of x [..][H][W] with pad zero rows and
   columns before and zeros after (HP >= H + pad, WP >= W + pad), a plane per work-item (a
   work-item per row cost more than its copy on small planes): the input of kernels whose
   loads need no bounds checks (winograd.cl's _vec kernels). */
kernel void pad_planes_rows(global const float* x, global float* xp, int H, int W, int pad, int first, int HP, int WP, int planes) {
    const int q = get_global_id(0);
    if (q >= planes) {
        return;
    }
    global float* out = xp + (long)q * HP * WP;
    global const float* in = x + ((long)first + q) * H * W;
    for (int hp = 0; hp < HP; hp++, out += WP) {
        const int h = hp - pad;
        const int w1 = h >= 0 && h < H ? min(WP, pad + W) : 0; /* columns [pad, w1) hold x's row */
        const long row = (long)h * W - pad;
        for (int wp = 0; wp < WP; wp++) {
            out[wp] = wp >= pad && wp < w1 ? in[row + wp] : 0.0f;
        }
    }
}
