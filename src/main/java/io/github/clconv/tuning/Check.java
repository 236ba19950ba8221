package io.github.clconv.tuning;

/**
 * The check every candidate passes before its time counts: its results against the
 * reference's (a double-precision host product for GEMM, im2col for convolution algorithms,
 * the row layout for data movement), so that a variant a driver miscompiles cannot win.
 */
public final class Check {
    private Check() {
    }

    /** max |got - want| / max |want| (want's scale at least 1e-30); NaN when got holds a NaN. */
    public static double relativeError(float[] got, double[] want) {
        double err = 0, ref = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs(got[i] - want[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            err = Math.max(err, d);
            ref = Math.max(ref, Math.abs(want[i]));
        }
        return err / Math.max(ref, 1e-30);
    }

    public static double relativeError(float[] got, float[] want) {
        double[] w = new double[want.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = want[i];
        }
        return relativeError(got, w);
    }

    /** Whether got agrees with want within tolerance (relative, as relativeError); NaN never agrees. */
    public static boolean agrees(float[] got, float[] want, double tolerance) {
        return got.length == want.length && relativeError(got, want) <= tolerance;
    }
}
