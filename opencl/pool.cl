/*
 * pool.cl — max and average pooling over NCHW planes with a square K x K window.
 *
 *   x : [N*C planes, H, W]   y, argmax : [N*C planes, OH, OW]
 *   window of output (oy, ox): rows oy*st - pad .. +K-1, columns ox*st - pad .. +K-1
 *   argmax holds, per output, the winner's index h*W + w inside its plane (float-coded).
 *
 * One work-item per row: a forward item computes one output row (plane, oy), a backward
 * item one input row (plane, h); on CPU runtimes per-element items spend their time on index
 * arithmetic. The _elem kernels take an element per work-item instead, so that consecutive
 * work-items touch consecutive addresses where a device runs them in SIMD lanes (MovementTuner
 * chooses, as for the convolution's data movement).
 * Backward passes are gathers: each input element sums the outputs whose window covers
 * it (for max pooling, only those that chose it), so no atomics.
 */

#include "reduction.h"

/* y[r] = the mean of plane r of x [rows, P] (global average pooling); one work-group per plane. */
kernel __attribute__((reqd_work_group_size(RED, 1, 1)))
void globalavgpool_forward(global const float* x, global float* y, int P, int rows) {
    local float t[RED];
    const int r = get_group_id(0), l = get_local_id(0);
    global const float* plane = x + r * P;
    float acc = 0.0f;
    for (int p = l; p < P; p += RED) {
        acc += plane[p];
    }
    acc = group_sum(t, acc);
    if (l == 0) {
        y[r] = acc / (float)P;
    }
}

/* The same with a work-item per plane, for small planes (a work-group of RED items for a 8x8
   plane would mostly idle); the sum runs in index order. */
kernel void globalavgpool_forward_rows(global const float* x, global float* y, int P, int rows) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    global const float* plane = x + r * P;
    float acc = 0.0f;
    for (int p = 0; p < P; p++) {
        acc += plane[p];
    }
    y[r] = acc / (float)P;
}

/* dx[r, p] = dy[r] / P. */
kernel void globalavgpool_backward(global const float* dy, global float* dx, int P, int total) {
    const int e = get_global_id(0);
    if (e < total) {
        dx[e] = dy[e / P] / (float)P;
    }
}


/* The outputs whose window covers input coordinate t lie in [*lo, *hi]. */
inline void covering(int t, int K, int st, int pad, int O, int* lo, int* hi) {
    const int a = t + pad - K + 1;
    *lo = a <= 0 ? 0 : (a + st - 1) / st;
    *hi = min((t + pad) / st, O - 1);
}

/* Output (oy, ox) of max pooling over plane xp: its value and the winner's index in the plane. */
inline void maxpool_at(global const float* xp, int H, int W, int K, int st, int pad, int oy, int ox, float* best, int* at) {
    const int i0 = max(0, oy * st - pad), i1 = min(H, oy * st - pad + K);
    const int j0 = max(0, ox * st - pad), j1 = min(W, ox * st - pad + K);
    *best = -INFINITY;
    *at = -1;
    for (int ih = i0; ih < i1; ih++) {
        for (int iw = j0; iw < j1; iw++) {
            const float v = xp[ih * W + iw];
            if (*at < 0 || v > *best) { /* the first maximum wins ties, as in PyTorch */
                *best = v;
                *at = ih * W + iw;
            }
        }
    }
}

/* A row of outputs per work-item: VP of them at once where a window row's inputs for all VP lie
   inside the row (per tap a vector: one load for stride 1, the even lanes of two for stride 2),
   else one output at a time (maxpool_at). A block whose lanes each checked the bounds and loaded
   alone ran resnet18's stem pool at batch 1 in 2.1 ms, half its blocks at an edge. Same results
   and tie rule as maxpool_at: taps in row-major order, the first maximum wins. */
#define VP 16
kernel void maxpool_forward(global const float* x, global float* y, global float* argmax,
                            int H, int W, int K, int st, int pad, int OH, int OW, int rows) {
    const int t = get_global_id(0); /* plane*OH + oy */
    if (t >= rows) {
        return;
    }
    const int oy = t % OH, plane = t / OH;
    global const float* xp = x + (long)plane * H * W;
    global float* yr = y + (long)t * OW;
    global float* ar = argmax + (long)t * OW;
    const int i0 = max(0, oy * st - pad), i1 = min(H, oy * st - pad + K);
    const int reach = st * (VP - 1) + K + (st == 2 ? 1 : 0); /* columns read from a block's first: stride 2 loads 2*VP */
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    int ox = 0;
    while (ox < OW) {
        const int first = ox * st - pad;
        if ((st == 1 || st == 2) && first >= 0 && ox + VP <= OW && first + reach <= W) {
            float16 best = (float16)(-INFINITY);
            int16 at = (int16)(-1);
            for (int ih = i0; ih < i1; ih++) {
                global const float* row = xp + ih * W + first;
                for (int s = 0; s < K; s++) {
                    float16 v;
                    if (st == 1) {
                        v = vload16(0, row + s);
                    } else {
                        const float16 lo = vload16(0, row + s), hi = vload16(0, row + s + VP);
                        v = (float16)(lo.even, hi.even);
                    }
                    const int16 take = (at < 0) | (v > best);
                    best = select(best, v, take);
                    at = select(at, ih * W + first + lane * st + s, take);
                }
            }
            vstore16(best, 0, yr + ox);
            vstore16(convert_float16(at), 0, ar + ox);
            ox += VP;
        } else {
            float b;
            int a;
            maxpool_at(xp, H, W, K, st, pad, oy, ox, &b, &a);
            yr[ox] = b;
            ar[ox] = (float)a;
            ox++;
        }
    }
}

/* The _elem kernels: an element per work-item, consecutive work-items on consecutive outputs
   (devices that run work-items in SIMD lanes; MovementTuner chooses); total = the element count. */
kernel void maxpool_forward_elem(global const float* x, global float* y, global float* argmax,
                                 int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0); /* (plane*OH + oy)*OW + ox */
    if (e >= total) {
        return;
    }
    const int ox = e % OW, t = e / OW, oy = t % OH, plane = t / OH;
    float best;
    int at;
    maxpool_at(x + plane * H * W, H, W, K, st, pad, oy, ox, &best, &at);
    y[e] = best;
    argmax[e] = (float)at;
}

/* The common 2x2 window with stride 2 and no padding: output rows t0 .. t0+per-1 per work-item
   (work-groups of one, where work-items run one after another), 16 outputs at a time from two
   vectors of each input row split into their even and odd columns, compared with selects.
   Same results and tie rule as maxpool_forward (the first of the window's largest, NaN never
   taken). One output at a time took ~15 cycles each on PoCL 3.1, half of it a mispredicted
   branch (perf; lenet-bn's pools at batch 64: 0.8-0.9 ms each). */
#ifdef __clang__
#define EVEN16(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD16(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)
#else
#define EVEN16(a, b) shuffle2(a, b, (uint16)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30))
#define ODD16(a, b) shuffle2(a, b, (uint16)(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
#endif
#define TAKE16(v, where)                                                                   \
    {                                                                                      \
        const int16 m = (v) > best;                                                        \
        best = select(best, (v), m);                                                       \
        at = select(at, (where), m);                                                       \
    }

kernel void maxpool2x2_forward(global const float* x, global float* y, global float* argmax, int H, int W, int OH, int OW,
                               int rows, int per) {
    const int t0 = get_global_id(0) * per, t1 = min(rows, t0 + per);
    const long total = (long)(rows / OH) * H * W; /* x's values: no vector load reads past them */
    const int16 lanes2 = (int16)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (int t = t0; t < t1; t++) { /* t = plane*OH + oy */
        const int oy = t % OH, plane = t / OH;
        const long row0 = ((long)plane * H + 2 * oy) * W;
        global const float* r0 = x + row0;
        global const float* r1 = r0 + W;
        global float* yr = y + (long)t * OW;
        global float* ar = argmax + (long)t * OW;
        const int base = 2 * oy * W;
        int ox = 0;
        /* 16 outputs from 32 values of each input row; rows shorter than 16 outputs store only
           theirs (the loads run on into the next rows, inside x) */
        for (; ox < OW && row0 + W + 2 * ox + 32 <= total; ox += 16) {
            const float16 a0 = vload16(0, r0 + 2 * ox), a1 = vload16(0, r0 + 2 * ox + 16);
            const float16 b0 = vload16(0, r1 + 2 * ox), b1 = vload16(0, r1 + 2 * ox + 16);
            const int16 first = base + 2 * ox + lanes2;
            float16 best = EVEN16(a0, a1);
            int16 at = first;
            TAKE16(ODD16(a0, a1), first + 1)
            TAKE16(EVEN16(b0, b1), first + W)
            TAKE16(ODD16(b0, b1), first + W + 1)
            const float16 where = convert_float16(at);
            if (ox + 16 <= OW || ox + 16 - OW <= (t1 - 1 - t) * OW) {
                /* whole vectors, also where they run on into this work-item's next rows: those are
                   stored after, over the spill (storing a short row lane by lane had taken most of
                   the kernel's time on 14-wide rows) */
                vstore16(best, 0, yr + ox);
                vstore16(where, 0, ar + ox);
            } else {
                float vb[16], va[16];
                vstore16(best, 0, vb);
                vstore16(where, 0, va);
                for (int l = 0; l < OW - ox; l++) {
                    yr[ox + l] = vb[l];
                    ar[ox + l] = va[l];
                }
            }
        }
        for (; ox < OW; ox++) { /* the last rows of x */
            const float2 a = vload2(ox, r0), b = vload2(ox, r1);
            const int first = base + 2 * ox;
            float best = a.x;
            int at = first;
            if (a.y > best) { best = a.y; at = first + 1; }
            if (b.x > best) { best = b.x; at = first + W; }
            if (b.y > best) { best = b.y; at = first + W + 1; }
            yr[ox] = best;
            ar[ox] = (float)at;
        }
    }
}

/* dx at (h, w) of plane: the sum of the gradients of the outputs that chose it. */
inline float maxpool_grad_at(global const float* dy, global const float* argmax, int plane, int h, int w,
                             int W, int K, int st, int pad, int OH, int OW) {
    int ylo, yhi, xlo, xhi;
    covering(h, K, st, pad, OH, &ylo, &yhi);
    covering(w, K, st, pad, OW, &xlo, &xhi);
    const float me = (float)(h * W + w);
    float s = 0.0f;
    for (int oy = ylo; oy <= yhi; oy++) {
        for (int ox = xlo; ox <= xhi; ox++) {
            const int o = (plane * OH + oy) * OW + ox;
            if (argmax[o] == me) {
                s += dy[o];
            }
        }
    }
    return s;
}

/* Overlapping windows, a work-item per plane: each output's gradient added at its argmax, in
   output order (dx zeroed first). An input receives its outputs' gradients in the order
   maxpool_grad_at sums them, so the sums are the same; a plane's outputs conflict with no
   other work-item. */
kernel void maxpool_backward(global const float* dy, global const float* argmax, global float* dx, int HW, int OHW, int planes) {
    const int p = get_global_id(0);
    if (p >= planes) {
        return;
    }
    global const float* d = dy + (long)p * OHW;
    global const float* a = argmax + (long)p * OHW;
    global float* o = dx + (long)p * HW;
    for (int i = 0; i < OHW; i++) {
        o[(int)a[i]] += d[i];
    }
}

kernel void maxpool_backward_elem(global const float* dy, global const float* argmax, global float* dx,
                                  int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0); /* (plane*H + h)*W + w */
    if (e >= total) {
        return;
    }
    const int w = e % W, t = e / W, h = t % H, plane = t / H;
    dx[e] = maxpool_grad_at(dy, argmax, plane, h, w, W, K, st, pad, OH, OW);
}

/* When windows do not overlap (stride >= K), each input element is chosen by at most one
   output: dx (zeroed first) receives each output's gradient at its argmax, one output row
   per work-item, with no conflicts. */
kernel void maxpool_backward_scatter(global const float* dy, global const float* argmax, global float* dx,
                                     int H, int W, int OH, int OW, int rows) {
    const int t = get_global_id(0); /* plane*OH + oy */
    if (t >= rows) {
        return;
    }
    global float* plane = dx + (t / OH) * H * W;
    for (int ox = 0; ox < OW; ox++) {
        plane[(int)argmax[t * OW + ox]] = dy[t * OW + ox];
    }
}

kernel void maxpool_backward_scatter_elem(global const float* dy, global const float* argmax, global float* dx,
                                          int H, int W, int OH, int OW, int total) {
    const int e = get_global_id(0); /* an output */
    if (e < total) {
        dx[(e / (OH * OW)) * H * W + (int)argmax[e]] = dy[e];
    }
}

/* Output (oy, ox) of average pooling over plane xp (padding counts, as PyTorch's count_include_pad=True). */
inline float avgpool_at(global const float* xp, int H, int W, int K, int st, int pad, int oy, int ox) {
    const int i0 = max(0, oy * st - pad), i1 = min(H, oy * st - pad + K);
    const int j0 = max(0, ox * st - pad), j1 = min(W, ox * st - pad + K);
    float s = 0.0f;
    for (int ih = i0; ih < i1; ih++) {
        for (int iw = j0; iw < j1; iw++) {
            s += xp[ih * W + iw];
        }
    }
    return s / (float)(K * K);
}

kernel void avgpool_forward(global const float* x, global float* y,
                            int H, int W, int K, int st, int pad, int OH, int OW, int rows) {
    const int t = get_global_id(0); /* plane*OH + oy */
    if (t >= rows) {
        return;
    }
    const int oy = t % OH, plane = t / OH;
    for (int ox = 0; ox < OW; ox++) {
        y[t * OW + ox] = avgpool_at(x + plane * H * W, H, W, K, st, pad, oy, ox);
    }
}

kernel void avgpool_forward_elem(global const float* x, global float* y,
                                 int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int ox = e % OW, t = e / OW, oy = t % OH, plane = t / OH;
    y[e] = avgpool_at(x + plane * H * W, H, W, K, st, pad, oy, ox);
}

/* dx at (h, w) of plane: the sum of the gradients of the outputs whose window covers it, over K*K. */
inline float avgpool_grad_at(global const float* dy, int plane, int h, int w, int K, int st, int pad, int OH, int OW) {
    int ylo, yhi, xlo, xhi;
    covering(h, K, st, pad, OH, &ylo, &yhi);
    covering(w, K, st, pad, OW, &xlo, &xhi);
    float s = 0.0f;
    for (int oy = ylo; oy <= yhi; oy++) {
        for (int ox = xlo; ox <= xhi; ox++) {
            s += dy[(plane * OH + oy) * OW + ox];
        }
    }
    return s / (float)(K * K);
}

kernel void avgpool_backward(global const float* dy, global float* dx,
                             int H, int W, int K, int st, int pad, int OH, int OW, int rows) {
    const int t = get_global_id(0); /* plane*H + h */
    if (t >= rows) {
        return;
    }
    const int h = t % H, plane = t / H;
    for (int w = 0; w < W; w++) {
        dx[t * W + w] = avgpool_grad_at(dy, plane, h, w, K, st, pad, OH, OW);
    }
}

kernel void avgpool_backward_elem(global const float* dy, global float* dx,
                                  int H, int W, int K, int st, int pad, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int w = e % W, t = e / W, h = t % H, plane = t / H;
    dx[e] = avgpool_grad_at(dy, plane, h, w, K, st, pad, OH, OW);
}

/*
 * Adaptive average pooling (PyTorch's AdaptiveAvgPool2d): output (oy, ox) of an OH x OW plane
 * averages input rows floor(oy*H/OH) .. ceil((oy+1)*H/OH)-1 and the columns likewise; the
 * windows may overlap, and repeat a pixel when OH > H. An element per work-item.
 */
inline int adaptive_start(int o, int in, int out) {
    return (o * in) / out;
}

inline int adaptive_end(int o, int in, int out) {
    return ((o + 1) * in + out - 1) / out;
}

kernel void adaptiveavgpool_forward(global const float* x, global float* y, int H, int W, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int ox = e % OW, oy = (e / OW) % OH, r = e / (OW * OH);
    const int i0 = adaptive_start(oy, H, OH), i1 = adaptive_end(oy, H, OH);
    const int j0 = adaptive_start(ox, W, OW), j1 = adaptive_end(ox, W, OW);
    global const float* xp = x + r * H * W;
    float s = 0.0f;
    for (int i = i0; i < i1; i++) {
        for (int j = j0; j < j1; j++) {
            s += xp[i * W + j];
        }
    }
    y[e] = s / (float)((i1 - i0) * (j1 - j0));
}

/* A gather: input (h, w) sums dy / area over the outputs whose window holds it. */
kernel void adaptiveavgpool_backward(global const float* dy, global float* dx, int H, int W, int OH, int OW, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int w = e % W, h = (e / W) % H, r = e / (W * H);
    const int oy0 = (h * OH) / H, oy1 = min(OH - 1, ((h + 1) * OH + H - 1) / H - 1);
    const int ox0 = (w * OW) / W, ox1 = min(OW - 1, ((w + 1) * OW + W - 1) / W - 1);
    global const float* dyp = dy + r * OH * OW;
    float s = 0.0f;
    for (int oy = oy0; oy <= oy1; oy++) {
        const int i0 = adaptive_start(oy, H, OH), i1 = adaptive_end(oy, H, OH);
        if (h < i0 || h >= i1) {
            continue;
        }
        for (int ox = ox0; ox <= ox1; ox++) {
            const int j0 = adaptive_start(ox, W, OW), j1 = adaptive_end(ox, W, OW);
            if (w >= j0 && w < j1) {
                s += dyp[oy * OW + ox] / (float)((i1 - i0) * (j1 - j0));
            }
        }
    }
    dx[e] = s;
}
