package io.github.clconv.opencl;

import java.io.IOException;

/**
 * What `clconv tune` asks of the tuners beyond the GEMM plan (GemmTuner.tune): the
 * data-movement layout measured again, and the per-layer convolution choices forgotten
 * (they were measured with the old plan). The three tuners do not call each other; they
 * share the tuning package (its cache, timer and check).
 */
public final class Tuners {
    private Tuners() {
    }

    /** The convolution data-movement layout measured by MovementTuner, with both layouts' times. */
    public record Movement(boolean elementwise, double rowMs, double elementMs) {
    }

    /** Measures the data-movement layouts on backend's device and keeps the faster. */
    public static Movement tuneMovement(ClBackend backend) {
        MovementTuner.Result r = MovementTuner.tune(backend.context());
        return new Movement(r.elementwise(), r.rowSeconds() * 1e3, r.elementSeconds() * 1e3);
    }

    /** Forgets backend's device's per-layer convolution choices, to be measured again as layers come; whether there were any. */
    public static boolean forgetConvChoices(ClBackend backend) throws IOException {
        return ConvRouter.cache(backend.context().device()).delete();
    }
}
