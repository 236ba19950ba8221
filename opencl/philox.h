/*
 * philox.h — Philox4x32-10 (Salmon et al. 2011), the counter-based generator of dropout.cl
 * and augment.cl (included by ClContext). io.github.clconv.backend.Philox computes the same
 * function (PhiloxTest checks it against Random123's known answers), so the device's and
 * the reference's random choices agree bit for bit.
 */

inline uint4 philox4x32_10(uint t, uint k0, uint k1) {
    uint c0 = t, c1 = 0, c2 = 0, c3 = 0;
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
    return (uint4)(c0, c1, c2, c3);
}

