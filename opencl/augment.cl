/*
 * augment.cl — training-time augmentation of a batch x [N, C, H, W] into y (same shape):
 * image n takes the Philox4x32-10 block of counter n under the step's key: word 0's low
 * bit flips it horizontally (when hflip), words 1 and 2 (mod 2*pad+1) pick the offset of a
 * random H x W crop of the image zero-padded by pad on every side (torchvision's
 * RandomHorizontalFlip then RandomCrop(padding=pad)). One work-item per element.
 */

#include "philox.h"

kernel void augment(global const float* restrict x, global float* restrict y, int C, int H, int W, int pad, int hflip,
                    uint seed_lo, uint seed_hi, int total) {
    const int e = get_global_id(0);
    if (e >= total) {
        return;
    }
    const int w = e % W, h = (e / W) % H, n = e / (W * H * C);
    const uint4 r = philox4x32_10((uint)n, seed_lo, seed_hi);
    const uint span = (uint)(2 * pad + 1);
    const int dy = (int)(r.y % span) - pad, dx = (int)(r.z % span) - pad;
    const int sh = h + dy, sw0 = w + dx;
    const int sw = hflip && (r.x & 1u) ? W - 1 - sw0 : sw0;
    y[e] = sh >= 0 && sh < H && sw >= 0 && sw < W ? x[e - (h * W + w) + sh * W + sw] : 0.0f;
}
