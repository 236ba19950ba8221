package io.github.clconv.opencl;

import java.util.Map;
import java.util.TreeMap;

/**
 * CLCONV_PROFILE=1: every launch waits for its kernel and its wall time is summed per
 * kernel and launch size; the table goes to stderr at exit. Slows the run; for finding
 * where the time goes, not for measuring throughput.
 */
final class KernelProfile {
    static final boolean ENABLED = System.getenv("CLCONV_PROFILE") != null;
    private static final Map<String, long[]> TOTALS = new TreeMap<>();

    static {
        if (ENABLED) {
            Runtime.getRuntime().addShutdownHook(new Thread(KernelProfile::print));
        }
    }

    private KernelProfile() {
    }

    static synchronized void add(String op, long[] global, long nanos) {
        long[] t = TOTALS.computeIfAbsent(op + " " + java.util.Arrays.toString(global), k -> new long[2]);
        t[0] += nanos;
        t[1]++;
    }

    private static synchronized void print() {
        System.err.printf("%-70s %10s %8s %10s%n", "kernel [global size]", "total ms", "calls", "us/call");
        TOTALS.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(40)
                .forEach(e -> System.err.printf("%-70s %10.1f %8d %10.1f%n", e.getKey(), e.getValue()[0] / 1e6, e.getValue()[1],
                        e.getValue()[0] / 1e3 / e.getValue()[1]));
    }
}
