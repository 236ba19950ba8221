package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;
import org.jocl.CL;
import org.jocl.cl_mem;

import java.util.concurrent.atomic.AtomicInteger;

/** A float32 device buffer that knows its shape; released by close(), exactly once. */
public final class ClBuffer implements Buf {
    private final Shape shape;
    private final AtomicInteger live;
    private cl_mem mem;

    ClBuffer(cl_mem mem, Shape shape, AtomicInteger live) {
        this.mem = mem;
        this.shape = shape;
        this.live = live;
        if (live != null) {
            live.incrementAndGet();
        }
    }

    @Override
    public Shape shape() {
        return shape;
    }

    public int size() {
        return shape.size();
    }

    /** Another shape over the same memory; the view holds its own reference to it. */
    ClBuffer view(Shape s) {
        CL.clRetainMemObject(mem());
        return new ClBuffer(mem, s, live);
    }

    cl_mem mem() {
        if (mem == null) {
            throw new IllegalStateException("device buffer " + shape + " was used after close()");
        }
        return mem;
    }

    static cl_mem of(Buf b) {
        if (!(b instanceof ClBuffer c)) {
            throw new IllegalArgumentException("a buffer of another backend was passed to the OpenCL backend: " + (b == null ? "null" : b.shape()));
        }
        return c.mem();
    }

    @Override
    public void close() {
        if (mem != null) {
            CL.clReleaseMemObject(mem);
            mem = null;
            if (live != null) {
                live.decrementAndGet();
            }
        }
    }
}
