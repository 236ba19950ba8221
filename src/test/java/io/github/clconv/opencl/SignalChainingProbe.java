package io.github.clconv.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * SignalChainingTest's child process: builds programs no kernel cache has seen (the compiler writes its files each
 * time) while threads allocate hard enough that the JVM stops them for collections many times a second, each stop a
 * SIGSEGV in every running thread. Builds through JOCL itself, not ClContext, whose retries would hide a failed
 * build. Prints whether the JVM chains signals, then "built N, failed F".
 */
public final class SignalChainingProbe {
    private static volatile long sink;

    private SignalChainingProbe() {
    }

    public static void main(String[] args) {
        int builds = Integer.parseInt(args[0]), threads = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        DeviceInfo d = ClDevices.choose(ClDevices.list(), System.getProperty("clconv.test.device", "auto"));
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, d.platform());
        cl_context ctx = CL.clCreateContext(props, 1, new cl_device_id[]{d.device()}, null, null, null);
        System.out.println("chained " + SignalChaining.active() + ", compiler " + SignalChaining.llvm().orElse("none") + ", on " + d.describe());
        for (int t = 0; t < threads; t++) {
            Thread churn = new Thread(() -> {
                long s = 0;
                while (true) {
                    Object[] o = new Object[64];
                    for (int i = 0; i < o.length; i++) {
                        o[i] = new long[8];
                    }
                    sink = s += o.length;
                }
            });
            churn.setDaemon(true);
            churn.start();
        }
        int failed = 0;
        for (int i = 0; i < builds; i++) {
            String src = "__kernel void k(__global float* x) { x[get_global_id(0)] *= " + (seed + i) + ".0f; }";
            cl_program p = CL.clCreateProgramWithSource(ctx, 1, new String[]{src}, null, null);
            try {
                CL.clBuildProgram(p, 0, null, null, null, null);
            } catch (CLException e) {
                failed++;
                System.out.println("build " + i + " failed: " + e.getMessage().lines().filter(l -> l.contains("error")).findFirst().orElse(e.getMessage()));
            }
            CL.clReleaseProgram(p);
        }
        CL.clReleaseContext(ctx);
        System.out.println("built " + builds + ", failed " + failed);
    }
}
