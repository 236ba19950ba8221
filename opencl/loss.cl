/*
 * loss.cl — softmax, log-softmax, fused softmax-cross-entropy and MSE (launched by ClLoss;
 * the reference is ReferenceLoss).
 *
 *   logits, probs : [rows, cols], one work-item per row (cols is the class count)
 *   labels        : [rows], float-coded integers in [0, cols)
 *   loss          : [1], the mean over rows, summed in a fixed order by one work-group
 *
 * Every softmax works with x - max (exact in float when x is near the maximum) and
 * log(sum exp(x - max)), never with log-sum-exp itself: near 1e4 a float is only good to
 * 1e-3, so forming lse = max + log(sum) would lose that much in every probability.
 * A label outside [0, cols) makes its row's loss NaN (the host validates labels earlier;
 * this only keeps a bad label from reading out of bounds).
 */

#include "reduction.h"

/* m = the row's maximum, ls = log(sum exp(x - m)), so that log-softmax is (x - m) - ls. */
inline void max_and_log_sum(global const float* xr, int cols, float* m, float* ls) {
    float mx = -INFINITY;
    for (int c = 0; c < cols; c++) {
        mx = fmax(mx, xr[c]);
    }
    float s = 0.0f;
    for (int c = 0; c < cols; c++) {
        s += exp(xr[c] - mx);
    }
    *m = mx;
    *ls = log(s);
}

kernel void softmax_forward(global const float* x, global float* y, int rows, int cols, int log_out) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    global const float* xr = x + r * cols;
    global float* yr = y + r * cols;
    float m, ls;
    max_and_log_sum(xr, cols, &m, &ls);
    for (int c = 0; c < cols; c++) {
        const float z = (xr[c] - m) - ls;
        yr[c] = log_out ? z : exp(z);
    }
}

kernel void softmax_backward(global const float* y, global const float* dy, global float* dx, int rows, int cols, int log_out) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    const int o = r * cols;
    float s = 0.0f;
    for (int c = 0; c < cols; c++) {
        s += log_out ? dy[o + c] : dy[o + c] * y[o + c];
    }
    for (int c = 0; c < cols; c++) {
        dx[o + c] = log_out ? dy[o + c] - exp(y[o + c]) * s : y[o + c] * (dy[o + c] - s);
    }
}

/* probs = softmax(logits); row_loss[r] = logsumexp(logits[r]) - logits[r, label] = (max - x_label) + log(sum). */
/* smoothing e (label smoothing, as torch's CrossEntropyLoss): the target is 1 - e + e/cols
   at the label and e/cols elsewhere, so the row's loss is lse - (1 - e) x[label] - e mean(x). */
kernel void xent_forward(global const float* logits, global const float* labels, global float* probs,
                         global float* row_loss, int rows, int cols, float smoothing) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    global const float* xr = logits + r * cols;
    float m, ls;
    max_and_log_sum(xr, cols, &m, &ls);
    float shifted = 0.0f; /* sum of x - m, for the smoothing term */
    for (int c = 0; c < cols; c++) {
        probs[r * cols + c] = exp((xr[c] - m) - ls);
        shifted += xr[c] - m;
    }
    const int label = (int)labels[r];
    const float hard = (m - xr[label]) + ls, soft = ls - shifted / (float)cols;
    row_loss[r] = (label >= 0 && label < cols) ? (smoothing == 0.0f ? hard : (1.0f - smoothing) * hard + smoothing * soft) : NAN;
}

/* loss[0] = sum(part[0 .. n-1]) / divisor; one work-group (reduction.h). */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void mean_of(global const float* part, global float* loss, int n, float divisor) {
    local float t[RED];
    const int l = get_local_id(0);
    float s = 0.0f;
    for (int i = l; i < n; i += RED) {
        s += part[i];
    }
    s = group_sum(t, s);
    if (l == 0) {
        loss[0] = s / divisor;
    }
}

kernel void xent_backward(global const float* probs, global const float* labels, global float* dlogits, int rows, int cols,
                          float smoothing) {
    const int e = get_global_id(0);
    if (e >= rows * cols) {
        return;
    }
    const int r = e / cols, c = e % cols;
    const int label = (int)labels[r];
    const float target = (c == label ? 1.0f - smoothing : 0.0f) + smoothing / (float)cols;
    dlogits[e] = (probs[e] - target) / (float)rows;
}

/* part[b] = sum of (y - t)^2 over the chunk [b*chunk, (b+1)*chunk). */
kernel void mse_partial(global const float* y, global const float* t, global float* part, int n, int chunk) {
    const int b = get_global_id(0);
    const int lo = b * chunk;
    if (lo >= n) {
        return;
    }
    const int hi = min(lo + chunk, n);
    float s = 0.0f;
    for (int i = lo; i < hi; i++) {
        const float d = y[i] - t[i];
        s += d * d;
    }
    part[b] = s;
}

kernel void mse_backward(global const float* y, global const float* t, global float* dy, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        dy[i] = 2.0f * (y[i] - t[i]) / (float)n;
    }
}
