package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;
import org.jocl.CL;
import org.jocl.cl_mem;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A float32 device buffer that knows its shape; released by close(), exactly once. */
public final class ClBuffer implements Buf {
    private final Shape shape;
    private final AtomicInteger live;
    /**
     * Writes queued to this memory so far, shared with its views and sub-buffers (a write to
     * the flat parameter buffer changes every view of it): what something derived from the
     * contents (PackCache's packed weights) is checked against. Every write counts: a kernel's
     * argument that is not const (ClKernel), a host write or copy (ClContext), CLBlast's C.
     */
    private final AtomicLong writes;
    private cl_mem mem;

    ClBuffer(cl_mem mem, Shape shape, AtomicInteger live) {
        this(mem, shape, live, new AtomicLong());
    }

    ClBuffer(cl_mem mem, Shape shape, AtomicInteger live, AtomicLong writes) {
        this.mem = mem;
        this.shape = shape;
        this.live = live;
        this.writes = writes;
        if (live != null) {
            live.incrementAndGet();
        }
    }

    /** The write count a view or sub-buffer of this memory shares. */
    AtomicLong writeCount() {
        return writes;
    }

    /** Writes queued to this memory (or any view of it) so far. */
    long writes() {
        return writes.get();
    }

    /** Counts a write queued to this memory. */
    void wrote() {
        writes.incrementAndGet();
    }

    boolean closed() {
        return mem == null;
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
        return new ClBuffer(mem, s, live, writes);
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
