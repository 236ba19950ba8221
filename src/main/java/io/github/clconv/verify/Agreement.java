package io.github.clconv.verify;

import java.util.ArrayList;
import java.util.List;

/** Compares device output with reference output under a stated tolerance. */
public final class Agreement {
    private static final int SHOWN = 5;

    private Agreement() {
    }

    /** Compares several outputs of one op; the worst of them decides. */
    public static CheckResult compare(String op, String shape, double tol, float[][] dev, double[][] ref) {
        double maxAbs = 0, maxRef = 0;
        boolean nonFinite = false;
        for (int t = 0; t < dev.length; t++) {
            if (dev[t].length != ref[t].length) {
                throw new IllegalStateException(op + ": output " + t + " has " + dev[t].length + " values on the device, " + ref[t].length + " in the reference");
            }
            for (int i = 0; i < dev[t].length; i++) {
                double d = dev[t][i], r = ref[t][i];
                if (Double.isFinite(d) != Double.isFinite(r)) {
                    nonFinite = true;
                } else if (Double.isFinite(r)) {
                    maxAbs = Math.max(maxAbs, Math.abs(d - r));
                    maxRef = Math.max(maxRef, Math.abs(r));
                }
            }
        }
        double scale = maxRef + 1e-6;
        double rel = nonFinite ? Double.POSITIVE_INFINITY : maxAbs / scale;
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int t = 0; t < dev.length; t++) {
            for (int i = 0; i < dev[t].length; i++) {
                double d = dev[t][i], r = ref[t][i];
                boolean wrong = Double.isFinite(d) != Double.isFinite(r) || Math.abs(d - r) > tol * scale;
                if (wrong) {
                    if (bad.size() < SHOWN) {
                        bad.add((dev.length > 1 ? "out" + t + "[" : "[") + i + "] device " + d + " reference " + r);
                    }
                    count++;
                }
            }
        }
        String mismatches = count == 0 ? "" : count + " mismatches, first: " + String.join("; ", bad);
        return new CheckResult(op, shape, maxAbs, rel, tol, mismatches);
    }
}
