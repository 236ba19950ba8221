package io.github.clconv.verify;

/**
 * One comparison of a device op against the reference. Error is max |dev - ref| /
 * (max |ref| + 1e-6), NaN-aware: a NaN or infinity on either side where the other is
 * finite fails the case.
 */
public record CheckResult(String op, String shape, double maxAbs, double maxRel, double tolerance, String mismatches) {
    public boolean ok() {
        return maxRel <= tolerance;
    }

    public String row() {
        return String.format(java.util.Locale.ROOT, "%-26s %-58s %10.3e %10.3e %9.1e  %s", op, shape.length() > 58 ? shape.substring(0, 55) + "..." : shape,
                maxAbs, maxRel, tolerance, ok() ? "ok" : "FAIL");
    }

    public static String header() {
        return String.format(java.util.Locale.ROOT, "%-26s %-58s %10s %10s %9s  %s", "op", "shape", "max abs", "max rel", "tol", "ok");
    }
}
