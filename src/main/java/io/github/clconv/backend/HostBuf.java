package io.github.clconv.backend;

import io.github.clconv.tensor.Shape;

import java.util.concurrent.atomic.AtomicInteger;

/** Reference storage: doubles, so the reference is an oracle more precise than the device. */
final class HostBuf implements Buf {
    final double[] data;
    private final Shape shape;
    private final AtomicInteger live;
    private boolean closed;

    HostBuf(Shape shape, AtomicInteger live) {
        this.shape = shape;
        this.data = new double[shape.size()];
        this.live = live;
        live.incrementAndGet();
    }

    /** A view of base's storage with another shape. */
    HostBuf(Shape shape, HostBuf base, AtomicInteger live) {
        this.shape = shape;
        this.data = base.data;
        this.live = live;
        live.incrementAndGet();
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            live.decrementAndGet();
        }
    }

    static double[] d(Buf b) {
        if (b == null) {
            return null;
        }
        if (!(b instanceof HostBuf h)) {
            throw new IllegalArgumentException("a buffer of another backend was passed to the reference backend: " + b.shape());
        }
        if (h.closed) {
            throw new IllegalStateException("buffer " + b.shape() + " was used after close()");
        }
        return h.data;
    }
}
