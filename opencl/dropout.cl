/*
 * dropout.cl — inverted dropout with a counter-based generator.
 *
 * Philox4x32-10 (Salmon et al. 2011): element i uses counter (i/4, 0, 0, 0), word i%4,
 * key (seed_lo, seed_hi). io.github.clconv.backend.Philox computes the same function,
 * so the masks of the device and of the reference agree bit for bit.
 *   u = (word >> 8) * 2^-24  in [0, 1);  keep when u >= p;  mask = keep ? 1/(1-p) : 0
 */

inline uint philox_word(uint seed_lo, uint seed_hi, uint i) {
    uint c0 = i >> 2, c1 = 0, c2 = 0, c3 = 0;
    uint k0 = seed_lo, k1 = seed_hi;
    for (int round = 0; round < 10; round++) {
        const uint hi0 = mul_hi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        const uint hi1 = mul_hi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    switch (i & 3) {
        case 0: return c0;
        case 1: return c1;
        case 2: return c2;
        default: return c3;
    }
}

kernel void dropout_forward(global const float* x, global float* mask, global float* y, float p,
                            uint seed_lo, uint seed_hi, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    const float u = (float)(philox_word(seed_lo, seed_hi, (uint)i) >> 8) * 0x1p-24f;
    const float m = u >= p ? 1.0f / (1.0f - p) : 0.0f;
    mask[i] = m;
    y[i] = x[i] * m;
}

kernel void dropout_backward(global const float* dy, global const float* mask, global float* dx, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        dx[i] = dy[i] * mask[i];
    }
}
