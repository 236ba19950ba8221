package io.github.clconv.backend;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), the
 * counter-based generator behind dropout. dropout.cl computes the same function, so the
 * device's and the reference's masks agree bit for bit.
 * Element i uses counter (i / 4, 0, 0, 0), word i % 4, key (seed low, seed high).
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** The 32-bit random word for element i. */
    public static int word(long seed, int i) {
        return block(i >>> 2, 0, 0, 0, (int) seed, (int) (seed >>> 32))[i & 3];
    }

    /** The full Philox4x32-10 function of a counter and a key. */
    static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (c0 & 0xFFFFFFFFL) * (M0 & 0xFFFFFFFFL);
            long p1 = (c2 & 0xFFFFFFFFL) * (M1 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        return new int[]{c0, c1, c2, c3};
    }

    /** Uniform in [0, 1) from the top 24 bits, exactly representable in float. */
    public static float uniform(long seed, int i) {
        return (word(seed, i) >>> 8) * 0x1p-24f;
    }
}
