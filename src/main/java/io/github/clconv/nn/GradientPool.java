package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The gradient buffers of one model's backward pass, shared by its layers. A layer's input
 * gradient is read by the layer before it and then never again, so instead of every layer
 * keeping its own (as large as all the activations together: 2.9 GB of resnet50's 9.4 at batch
 * 32), a buffer goes back here once its last reader has run and the next layer of that shape
 * takes it. Kernels run in order on one queue, so a buffer given back may be taken at once.
 *
 * <p>Each buffer counts its holders: take() gives one, retain() adds one, give() drops one, and
 * at none it is free again. A view made of a pooled buffer (Flatten's) holds its base through
 * alias(). Buffers the pool did not make are ignored by retain() and give(), so a caller need not
 * know where a gradient came from (the loss's own, say). Free buffers of a shape no backward
 * pass took in the last two are released (a shorter last batch keeps the full batch's for the
 * next epoch).
 */
final class GradientPool implements AutoCloseable {
    private static final class Entry {
        final Buf buf;
        final java.util.List<Buf> views = new java.util.ArrayList<>();
        int holders;
        long pass;

        Entry(Buf buf) {
            this.buf = buf;
        }
    }

    private final Map<Buf, Entry> owned = new IdentityHashMap<>();
    private final Map<Buf, Buf> aliases = new IdentityHashMap<>(); // view -> its pooled base
    private final Map<Shape, ArrayDeque<Entry>> free = new HashMap<>();
    private long pass;

    GradientPool() {
    }

    /** A buffer of this shape held once by the caller; its contents are whatever its last holder left. */
    Buf take(Backend b, Shape shape) {
        ArrayDeque<Entry> q = free.get(shape);
        Entry e = q == null ? null : q.poll();
        if (e == null) {
            e = new Entry(b.zeros(shape));
            owned.put(e.buf, e);
        }
        e.holders = 1;
        e.pass = pass;
        return e.buf;
    }

    void retain(Buf buf) {
        Entry e = entry(buf);
        if (e != null) {
            e.holders++;
        }
    }

    /** One holder fewer; null and buffers from elsewhere are ignored. */
    void give(Buf buf) {
        Entry e = buf == null ? null : entry(buf);
        if (e == null) {
            return;
        }
        if (e.holders <= 0) {
            throw new IllegalStateException("gradient buffer " + e.buf.shape() + " given back more often than taken");
        }
        if (--e.holders == 0) {
            e.views.forEach(aliases::remove); // a view is held only while its base is
            e.views.clear();
            free.computeIfAbsent(e.buf.shape(), k -> new ArrayDeque<>()).push(e);
        }
    }

    /** view shares base's storage: it holds base until given back itself. */
    void alias(Buf view, Buf base) {
        Entry e = entry(base);
        if (e != null && view != base) {
            aliases.put(view, e.buf);
            e.views.add(view);
            e.holders++;
        }
    }

    private Entry entry(Buf buf) {
        Buf base = aliases.getOrDefault(buf, buf);
        return owned.get(base);
    }

    /** After a backward pass: releases free buffers of shapes the last two passes did not take. */
    void endPass() {
        pass++;
        for (ArrayDeque<Entry> q : free.values()) {
            q.removeIf(e -> {
                boolean stale = e.pass < pass - 2;
                if (stale) {
                    owned.remove(e.buf);
                    e.buf.close();
                }
                return stale;
            });
        }
        free.values().removeIf(ArrayDeque::isEmpty);
    }

    /** Buffers made and not released, for tests: a backward pass that ends with all given back leaves them all free. */
    int held() {
        int freeCount = free.values().stream().mapToInt(ArrayDeque::size).sum();
        return owned.size() - freeCount;
    }

    /** Buffers made and not released. */
    int made() {
        return owned.size();
    }

    @Override
    public void close() {
        owned.keySet().forEach(Buf::close);
        owned.clear();
        aliases.clear();
        free.clear();
    }
}
