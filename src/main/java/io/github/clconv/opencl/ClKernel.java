package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

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
    private int next, writes;

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
        if (v == null) { // an absent optional buffer: kernels take a flag beside it and never read it
            CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, null);
        } else if (v instanceof Buf b) {
            CL.clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(ClBuffer.of(b)));
            if (!constant[i] && writes < written.length) {
                written[writes++] = (ClBuffer) b;
            }
        } else if (v instanceof LocalMemory l) {
            CL.clSetKernelArg(kernel, i, l.bytes(), null);
        } else if (v instanceof Integer n) {
            CL.clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[]{n}));
        } else if (v instanceof Float f) {
            CL.clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[]{f}));
        } else if (v instanceof Boolean bool) {
            CL.clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[]{bool ? 1 : 0}));
        } else {
            throw new IllegalArgumentException(op + ": unsupported kernel argument " + v.getClass());
        }
    }

    /** A local-memory argument of this many bytes per work-group (a kernel's {@code local float*} parameter). */
    public record LocalMemory(long bytes) {
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
                    KernelProfile.add(op, global, event);
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
