package io.github.clconv.opencl;

import io.github.clconv.tensor.Shape;

import java.util.HashMap;
import java.util.Map;

/**
 * A backend's working memory (im2col columns, partial sums): named buffers that only
 * grow, so a training step allocates nothing once the first step has run. Not counted
 * as live buffers; released with the backend.
 */
final class Scratch implements AutoCloseable {
    private final ClContext cl;
    private final Map<String, ClBuffer> buffers = new HashMap<>();

    Scratch(ClContext cl) {
        this.cl = cl;
    }

    /** A buffer named name with room for at least floats values. */
    ClBuffer get(String name, long floats) {
        ClBuffer b = buffers.get(name);
        if (b == null || b.size() < floats) {
            if (b != null) {
                b.close();
            }
            b = cl.alloc(Shape.of((int) Math.max(1, floats)), false);
            buffers.put(name, b);
        }
        return b;
    }

    @Override
    public void close() {
        buffers.values().forEach(ClBuffer::close);
        buffers.clear();
    }
}
