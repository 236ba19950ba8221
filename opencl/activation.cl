/*
 * activation.cl — element-wise activations, forward and backward, over flat buffers.
 * The code argument matches io.github.clconv.backend.Activation:
 *   0 ReLU, 1 LeakyReLU (slope alpha below 0), 2 sigmoid, 3 tanh,
 *   4 softplus (PyTorch's: beta 1, x itself above the threshold 20), 5 SiLU x*sigmoid(x),
 *   6 Mish x*tanh(softplus(x)), 7 ReLU6 min(max(x, 0), 6) (PyTorch's: no gradient at 0 and 6).
 * Backward uses the input x for the ReLU family (ReLU6 too), softplus, SiLU and Mish, and the output y
 * for sigmoid and tanh.
 * PReLU (prelu_*) learns one slope a[c] per channel of x [N, C, S]: y = x > 0 ? x : a[c] * x.
 * Built with -DACT=code, act_forward and act_backward take that code in place of their argument: the
 * switch folds away and the kernel vectorises (PoCL 3.1 ran act_backward one value at a time).
 */
#ifdef ACT
#define ACT_CODE(code) ACT
#else
#define ACT_CODE(code) (code)
#endif

#include "reduction.h"

/* softplus as PyTorch computes it: log1p(exp(v)), and v itself where exp would overflow its use */
float softplus(float v) {
    return v > 20.0f ? v : log1p(exp(v));
}

float sigm(float v) {
    return 1.0f / (1.0f + exp(-v));
}

/*
 * tanh(softplus(v)) as n / d with w = exp(v), n = w^2 + 2w, d = n + 2: exact algebra, and
 * 1 - tanh^2 = 4 (n + 1) / d^2 without the cancellation of 1 - t*t near t = 1.
 * Above 20 (where exp(2v) would be near float's range) tanh is 1 in float.
 */
float2 mish_parts(float v) {
    if (v > 20.0f) {
        return (float2)(1.0f, 0.0f);
    }
    const float w = exp(v), n = w * (w + 2.0f), d = n + 2.0f;
    return (float2)(n / d, 4.0f * (n + 1.0f) / (d * d));
}

kernel void act_forward(int code, float alpha, global const float* x, global float* y, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float v = x[i];
    float r;
    switch (ACT_CODE(code)) {
        case 0: r = v > 0.0f ? v : 0.0f; break;
        case 1: r = v > 0.0f ? v : alpha * v; break;
        case 2: r = sigm(v); break;
        case 3: r = tanh(v); break;
        case 4: r = softplus(v); break;
        case 5: r = v * sigm(v); break;
        case 7: r = clamp(v, 0.0f, 6.0f); break;
        default: r = v * mish_parts(v).x; break;
    }
    y[i] = r;
}

/* The activation's derivative at x (its output y for sigmoid and tanh). */
inline float act_slope(int code, float alpha, float x, float y) {
    switch (ACT_CODE(code)) {
        case 0: return x > 0.0f ? 1.0f : 0.0f;
        case 1: return x > 0.0f ? 1.0f : alpha;
        case 2: return y * (1.0f - y);
        case 3: return 1.0f - y * y;
        case 4: return x > 20.0f ? 1.0f : sigm(x);
        case 7: return x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
        case 5: {
            const float s = sigm(x);
            return s + x * s * (1.0f - s);
        }
        default: {
            const float2 m = mish_parts(x); /* tanh(softplus(x)), its 1 - tanh^2 */
            return m.x + x * m.y * sigm(x);
        }
    }
}

kernel void act_backward(int code, float alpha, global const float* x, global const float* y,
                         global const float* dy, global float* dx, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    dx[i] = dy[i] * act_slope(code, alpha, x[i], y[i]);
}

/* act_backward with values i0 .. i0+per-1 per work-item, one loop the compiler vectorises (work-groups
   of one, where work-items run one after another): a value per work-item ran at ~24 GB/s on PoCL
   3.1 (resnet20's ReLU after each residual add, batch 64). Built with -DACT. */
kernel void act_backward_rows(int code, float alpha, global const float* x, global const float* y,
                              global const float* dy, global float* dx, int n, int per) {
    const long i0 = (long)get_global_id(0) * per, i1 = min((long)n, i0 + per);
    for (long i = i0; i < i1; i++) {
        dx[i] = dy[i] * act_slope(code, alpha, x[i], y[i]);
    }
}

kernel void prelu_forward(global const float* x, global const float* a, global float* y, int C, int S, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float v = x[i];
    y[i] = v > 0.0f ? v : a[(i / S) % C] * v;
}

kernel void prelu_backward_dx(global const float* x, global const float* a, global const float* dy, global float* dx, int C, int S, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    dx[i] = x[i] > 0.0f ? dy[i] : a[(i / S) % C] * dy[i];
}

/* da[c] = the sum of dy * x where x <= 0 over the channel's N*S values: a work-group per channel, a fixed-order tree. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void prelu_backward_da(global const float* x, global const float* dy, global float* da, int N, int C, int S) {
    local float s[RED];
    const int c = get_group_id(0), l = get_local_id(0);
    float part = 0.0f;
    for (int j = l; j < N * S; j += RED) {
        const int n = j / S;
        const long i = ((long)n * C + c) * S + (j - n * S);
        part += x[i] > 0.0f ? 0.0f : dy[i] * x[i];
    }
    const float sum = group_sum(s, part);
    if (l == 0) {
        da[c] = sum;
    }
}
