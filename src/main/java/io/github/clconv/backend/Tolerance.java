package io.github.clconv.backend;

/** The tolerances of the agreement checks, relative to max |reference|, with their reasons. */
public final class Tolerance {
    private Tolerance() {
    }

    /** Data movement and comparisons (im2col, pooling, ReLU, dropout): one float rounding at most. */
    public static final double EXACT = 1e-6;

    /** Element-wise exp, log, tanh: OpenCL allows a few ulp each, plus one rounding into float. */
    public static final double TRANSCENDENTAL = 2e-5;

    /**
     * A float32 sum of k products: rounding errors grow about as sqrt(k) * 2^-24 for
     * random data; 5e-6 * sqrt(k) leaves a wide margin above that, plus a floor.
     */
    public static double reduction(long k) {
        return 1e-5 + 5e-6 * Math.sqrt(k);
    }
}
