package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.HashMap;
import java.util.Map;

/**
 * A layer's activation buffers, kept per (name, shape): a training run with a fixed
 * batch size allocates once, and the shorter last batch of an evaluation gets its own set.
 */
final class Workspace implements AutoCloseable {
    private final Map<String, Buf> buffers = new HashMap<>();

    Buf get(Backend b, String name, Shape shape) {
        return buffers.computeIfAbsent(name + shape, k -> b.zeros(shape));
    }

    Buf view(Backend b, String name, Buf base, Shape shape) {
        return buffers.computeIfAbsent(name + shape + "@" + System.identityHashCode(base), k -> b.reshape(base, shape));
    }

    @Override
    public void close() {
        buffers.values().forEach(Buf::close);
        buffers.clear();
    }
}
