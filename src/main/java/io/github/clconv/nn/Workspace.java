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
    private final Map<String, Buf[]> views = new HashMap<>(); // name -> {base, view of it}

    Buf get(Backend b, String name, Shape shape) {
        return buffers.computeIfAbsent(name + shape, k -> b.zeros(shape));
    }

    /** A view of base with another shape; the view of an earlier base under this name is released. */
    Buf view(Backend b, String name, Buf base, Shape shape) {
        Buf[] v = views.get(name);
        if (v != null && v[0] == base && v[1].shape().equals(shape)) {
            return v[1];
        }
        if (v != null) {
            v[1].close();
        }
        Buf view = b.reshape(base, shape);
        views.put(name, new Buf[]{base, view});
        return view;
    }

    @Override
    public void close() {
        buffers.values().forEach(Buf::close);
        buffers.clear();
        views.values().forEach(v -> v[1].close());
        views.clear();
    }
}
