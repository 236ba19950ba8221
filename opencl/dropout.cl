/*
 * dropout.cl — inverted dropout with a counter-based generator.
 *
 * Philox4x32-10 (Salmon et al. 2011) with key (seed_lo, seed_hi): counter (t, 0, 0, 0)
 * gives four 32-bit words, the words of elements 4t .. 4t+3, so one work-item handles
 * four elements. io.github.clconv.backend.Philox computes the same function (PhiloxTest
 * checks it against Random123's known answers), so the device's and the reference's
 * masks agree bit for bit.
 *   u = (word >> 8) * 2^-24  in [0, 1);  keep when u >= p;  mask = keep ? 1/(1-p) : 0
 */

#include "philox.h"

kernel void dropout_forward(global const float* x, global float* mask, global float* y, float p,
                            uint seed_lo, uint seed_hi, int n) {
    const int t = get_global_id(0);
    if (4 * t >= n) {
        return;
    }
    const uint4 r = philox4x32_10((uint)t, seed_lo, seed_hi);
    const uint words[4] = {r.x, r.y, r.z, r.w};
    const float keep = 1.0f / (1.0f - p);
    for (int w = 0; w < 4 && 4 * t + w < n; w++) {
        const int i = 4 * t + w;
        const float u = (float)(words[w] >> 8) * 0x1p-24f;
        const float m = u >= p ? keep : 0.0f;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

kernel void dropout_backward(global const float* dy, global const float* mask, global float* dx, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        dx[i] = dy[i] * mask[i];
    }
}
