package io.github.clconv.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CLCONV_PROFILE=1: the queue records each kernel's start and end on the device (OpenCL
 * event profiling, so launches are not serialised by the measurement); device time is
 * summed per kernel and launch size (and build, with CLCONV_PROFILE=options), and the table goes to
 * stderr at exit. Below it, per queue, what passed on the device between one kernel's end and the
 * next one's start: with the next already queued, the runtime's turnaround (a cost of every launch,
 * which fewer launches save); otherwise the device waited for the host to queue more.
 */
final class KernelProfile {
    static final boolean ENABLED = System.getenv("CLCONV_PROFILE") != null;
    /** CLCONV_PROFILE=options: each build of a kernel a row of its own, named with its build options. */
    static final boolean BY_OPTIONS = "options".equals(System.getenv("CLCONV_PROFILE"));
    private static final int BATCH = 4096;
    private static final Map<String, long[]> TOTALS = new TreeMap<>();
    private static final List<String> NAMES = new ArrayList<>();
    private static final List<cl_event> EVENTS = new ArrayList<>();
    private static final List<Object> QUEUES = new ArrayList<>();
    /** Per queue: the last kernel's end, launches, turnaround and host-wait nanoseconds (in queue order). */
    private static final Map<Object, long[]> GAPS = new java.util.LinkedHashMap<>();

    static {
        if (ENABLED) {
            Runtime.getRuntime().addShutdownHook(new Thread(KernelProfile::print));
        }
    }

    private KernelProfile() {
    }

    /** queue: the context the kernel was queued on (its in-order queue). */
    static synchronized void add(String op, long[] global, cl_event event, Object queue) {
        NAMES.add(op + " " + java.util.Arrays.toString(global));
        EVENTS.add(event);
        QUEUES.add(queue);
        if (EVENTS.size() >= BATCH) {
            drain();
        }
    }

    /** Waits for the recorded kernels and adds their device times to the totals. */
    private static void drain() {
        if (EVENTS.isEmpty()) {
            return;
        }
        CL.clWaitForEvents(EVENTS.size(), EVENTS.toArray(new cl_event[0]));
        long[] queued = new long[1], start = new long[1], end = new long[1];
        for (int i = 0; i < EVENTS.size(); i++) {
            cl_event e = EVENTS.get(i);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_QUEUED, Sizeof.cl_ulong, Pointer.to(queued), null);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(start), null);
            CL.clGetEventProfilingInfo(e, CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(end), null);
            gap(GAPS.computeIfAbsent(QUEUES.get(i), q -> new long[]{-1, 0, 0, 0}), queued[0], start[0], end[0]);
            long[] t = TOTALS.computeIfAbsent(NAMES.get(i), k -> new long[2]);
            t[0] += end[0] - start[0];
            t[1]++;
            CL.clReleaseEvent(e);
        }
        EVENTS.clear();
        NAMES.clear();
        QUEUES.clear();
    }

    /**
     * g = {previous end, launches, turnaround, host wait}: the time from the previous kernel's end to this one's
     * start, split at the moment this one was queued (transfers between them count as turnaround).
     */
    static void gap(long[] g, long queued, long start, long end) {
        if (g[0] >= 0 && start >= g[0]) {
            long ready = Math.min(start, Math.max(g[0], queued));
            g[2] += start - ready;
            g[3] += ready - g[0];
        }
        g[0] = end;
        g[1]++;
    }

    private static synchronized void print() {
        try {
            drain();
        } catch (RuntimeException e) {
            System.err.println("profile: the device was released before the last kernels could be read: " + e.getMessage());
        }
        long all = TOTALS.values().stream().mapToLong(t -> t[0]).sum();
        System.err.printf(java.util.Locale.ROOT, "%-66s %10s %8s %10s %6s%n", "kernel [global size]", "device ms", "calls", "us/call", "share");
        TOTALS.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(40)
                .forEach(e -> System.err.printf(java.util.Locale.ROOT, "%-66s %10.1f %8d %10.1f %5.1f%%%n", e.getKey(), e.getValue()[0] / 1e6, e.getValue()[1],
                        e.getValue()[0] / 1e3 / e.getValue()[1], 100.0 * e.getValue()[0] / all));
        for (long[] g : GAPS.values()) {
            if (g[1] > 1) {
                System.err.printf(java.util.Locale.ROOT, "between kernels: %.1f ms with the next one already queued (%.1f us per launch, the runtime's"
                        + " turnaround), %.1f ms waiting for the host to queue it; %d launches%n", g[2] / 1e6, g[2] / 1e3 / (g[1] - 1), g[3] / 1e6, g[1]);
            }
        }
    }
}
