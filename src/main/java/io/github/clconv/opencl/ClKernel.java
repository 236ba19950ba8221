package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** A built kernel with a fluent argument list; launches are queued, never waited for. */
public final class ClKernel {
    private final cl_kernel kernel;
    private final ClContext cl;
    private final String op;
    /** The kernel's name alone, as launch counts know it. */
    private final String name;
    /** The kernel's parameter count, asked once: every launch checks that all were set. */
    private final int params;
    /** Per parameter: declared const, so never written (where the runtime cannot say: false, counted as written). */
    private final boolean[] constant;
    /** The buffers set as arguments the kernel may write: each launch counts a write to them (ClBuffer.writes). */
    private final ClBuffer[] written;
    /**
     * What each parameter was last set to (a buffer's cl_mem, a number, a LocalMemory; NONE for
     * null): an argument unchanged since the last launch is not set again. Through JOCL each
     * clSetKernelArg cost 0.4-1 us, ~10 us of host time per launch of a kernel with 15
     * parameters, more than PoCL's own enqueue (2-3 us) and at batch 1 more than the kernel.
     */
    private final Object[] last;
    private static final Object NONE = new Object();
    /** Where a number is written for clSetKernelArg, which copies it (a direct buffer: half JOCL's cost of an array). */
    private final java.nio.ByteBuffer scalar = java.nio.ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
    private final Pointer scalarPointer = Pointer.to(scalar);
    private int next, writes;
    /** CL_KERNEL_WORK_GROUP_SIZE on the context's device, asked on first use (0: not yet). */
    private long maxGroup;

    ClKernel(cl_kernel kernel, ClContext cl, String op) {
        this.kernel = kernel;
        this.cl = cl;
        this.op = op;
        this.name = op.split(" ", 2)[0];
        int[] n = new int[1];
        CL.clGetKernelInfo(kernel, CL.CL_KERNEL_NUM_ARGS, Sizeof.cl_uint, Pointer.to(n), null);
        this.params = n[0];
        this.constant = new boolean[params];
        this.written = new ClBuffer[params];
        this.last = new Object[params];
        for (int i = 0; i < params; i++) {
            long[] q = new long[1];
            try {
                CL.clGetKernelArgInfo(kernel, i, CL.CL_KERNEL_ARG_TYPE_QUALIFIER, Sizeof.cl_long, Pointer.to(q), null);
                constant[i] = (q[0] & CL.CL_KERNEL_ARG_TYPE_CONST) != 0;
            } catch (CLException e) {
                constant[i] = false; // no argument information: every buffer argument counts as written
            }
        }
    }

    public ClKernel args(Object... values) {
        next = 0;
        writes = 0;
        for (Object v : values) {
            arg(v);
        }
        return this;
    }

    private void arg(Object v) {
        int i = next++;
        if (i >= params) {
            return; // runLocal reports the count
        }
        if (v instanceof Buf b) {
            cl_mem m = ClBuffer.of(b);
            if (!constant[i] && writes < written.length) {
                written[writes++] = (ClBuffer) b;
            }
            if (last[i] != m) {
                CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(m));
                last[i] = m;
            }
            return;
        }
        Object key = v == null ? NONE : v instanceof Boolean bool ? Integer.valueOf(bool ? 1 : 0) : v;
        if (key.equals(last[i])) {
            return;
        }
        if (v == null) { // an absent optional buffer: kernels take a flag beside it and never read it
            CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, null);
        } else if (v instanceof LocalMemory l) {
            CL.clSetKernelArg(kernel, i, l.bytes(), null);
        } else if (key instanceof Integer n) {
            scalar.putInt(0, n);
            CL.clSetKernelArg(kernel, i, Sizeof.cl_int, scalarPointer);
        } else if (v instanceof Float f) {
            scalar.putFloat(0, f);
            CL.clSetKernelArg(kernel, i, Sizeof.cl_float, scalarPointer);
        } else {
            throw new IllegalArgumentException(op + ": unsupported kernel argument " + v.getClass());
        }
        last[i] = key;
    }

    /** A local-memory argument of this many bytes per work-group (a kernel's {@code local float*} parameter). */
    public record LocalMemory(long bytes) {
    }

    /** The largest work-group this kernel can be launched with on its device. */
    public long maxGroupSize() {
        if (maxGroup == 0) {
            long[] v = new long[1];
            CL.clGetKernelWorkGroupInfo(kernel, cl.device().device(), CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(v), null);
            maxGroup = Math.max(1, v[0]);
        }
        return maxGroup;
    }

    /** runBounded's largest work-group. */
    static final long BOUNDED = 64;

    /**
     * Launches in work-groups of at most 64 work-items (each extent's largest divisor that fits),
     * never the runtime's choice, for kernels whose work-items hold private arrays: a CPU runtime
     * runs a group on one thread's stack with its work-items' arrays side by side, and PoCL's groups
     * of thousands overflowed it (Winograd's output transform at 2 MB, gemm_nt at 8 MB: a SIGSEGV
     * that kills the JVM without a report).
     */
    public void runBounded(long... global) {
        long[] local = new long[global.length];
        long left = Math.min(BOUNDED, maxGroupSize());
        for (int d = 0; d < global.length; d++) {
            long l = Math.max(1, Math.min(global[d], left));
            while (global[d] % l != 0) {
                l--;
            }
            local[d] = l;
            left /= l;
        }
        runLocal(local, global);
    }

    /** Launches over a 1-d or 2-d global range; sizes are the real extents (rounded up here). */
    public void run(long... global) {
        runLocal(null, global);
    }

    /** Launches groups work-groups of width work-items each along dimension 0 (the tree reductions). */
    public void runGroups(int width, long groups) {
        runLocal(new long[]{width}, groups * width);
    }

    /** Launches with an explicit work-group size (null: the runtime chooses). */
    public void runLocal(long[] local, long... global) {
        if (next != params) {
            throw new IllegalStateException(op + ": " + next + " arguments set, the kernel takes " + params);
        }
        for (long g : global) {
            if (g <= 0) {
                return; // nothing to do; an empty range is not an error
            }
        }
        synchronized (cl) {
            cl.checkUse(op);
            try {
                org.jocl.cl_event event = KernelProfile.ENABLED ? new org.jocl.cl_event() : null;
                CL.clEnqueueNDRangeKernel(cl.queue(), kernel, global.length, null, global, local, 0, null, event);
                cl.launched(name);
                for (int i = 0; i < writes; i++) {
                    written[i].wrote();
                }
                if (event != null) {
                    KernelProfile.add(op, global, event, cl);
                }
            } catch (CLException e) {
                throw ClException.of(op, e);
            }
        }
    }

    void release() {
        CL.clReleaseKernel(kernel);
    }
}
