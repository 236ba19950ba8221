package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer's activation buffers, kept per (name, shape): a training run with a fixed
 * batch size allocates once, and the shorter last batch of an evaluation gets its own set.
 * Per name, only the SHAPES most recently used shapes are kept (the least recently used
 * is released), so that a caller cycling through many batch sizes does not pile up
 * buffers; a buffer stays valid until the layer is called with SHAPES other shapes.
 */
final class Workspace implements AutoCloseable {
    static final int SHAPES = 4;
    private final Map<String, LinkedHashMap<Shape, Buf>> buffers = new HashMap<>();
    private final Map<String, Buf[]> views = new HashMap<>(); // name -> {base, view of it}
    private GradientPool pool;

    /** From now on gradient() and scratch() draw from the model's shared pool. */
    void share(GradientPool p) {
        pool = p;
    }

    /**
     * A gradient the layer's backward returns: from the shared pool when there is one (the model
     * gives it back once read), else the layer's own, under name.
     */
    Buf gradient(Backend b, String name, Shape shape) {
        return pool != null ? pool.take(b, shape) : get(b, name, shape);
    }

    /** A buffer used only within one backward call; hand it to done() before returning. */
    Buf scratch(Backend b, String name, Shape shape) {
        return gradient(b, name, shape);
    }

    void done(Buf scratch) {
        if (pool != null) {
            pool.give(scratch);
        }
    }

    /** dy returned as the layer's input gradient unchanged: the model gives it back twice. */
    Buf passOn(Buf dy) {
        if (pool != null) {
            pool.retain(dy);
        }
        return dy;
    }

    /** view() of a gradient, holding the pooled base for as long as the view is held. */
    Buf gradientView(Backend b, String name, Buf base, Shape shape) {
        Buf v = view(b, name, base, shape);
        if (pool != null) {
            pool.alias(v, base);
        }
        return v;
    }

    Buf get(Backend b, String name, Shape shape) {
        LinkedHashMap<Shape, Buf> byShape = buffers.computeIfAbsent(name, k -> new LinkedHashMap<>(8, 0.75f, true));
        Buf buf = byShape.get(shape);
        if (buf == null) {
            if (byShape.size() >= SHAPES) {
                Map.Entry<Shape, Buf> eldest = byShape.entrySet().iterator().next();
                eldest.getValue().close();
                byShape.remove(eldest.getKey());
            }
            buf = b.zeros(shape);
            byShape.put(shape, buf);
        }
        return buf;
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
        buffers.values().forEach(m -> m.values().forEach(Buf::close));
        buffers.clear();
        views.values().forEach(v -> v[1].close());
        views.clear();
    }
}
