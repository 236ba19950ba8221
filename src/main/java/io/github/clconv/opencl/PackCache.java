package io.github.clconv.opencl;

import io.github.clconv.tensor.Shape;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Copies of layers' weights in the layout a kernel reads them (gemm_packed's blocks, Winograd's
 * transformed filters), kept between calls: a convolution at batch 1 packed its weights on every
 * call (resnet18: about a tenth of an inference's device time, 1.2 ms of the 3.1 a 512 x 49 x 4608
 * product took). An entry is one layout (a string naming the slice and the transform) of one buffer
 * (the same ClBuffer object) and is used only while the buffer has had no write queued since it was
 * made (ClBuffer.writes: an optimiser's step, a loaded checkpoint, any kernel given it as a
 * non-const argument); otherwise it is made again in place. Entries of closed buffers are dropped at
 * the next lookup, the least recently used beyond the cap. Its buffers are not counted as live: they
 * belong to the backend, as its scratch space does.
 */
final class PackCache implements AutoCloseable {
    /** ClBuffer keeps Object's equals and hashCode: a key names one buffer object, not its contents. */
    record Key(ClBuffer source, String layout) {
    }

    private static final class Entry {
        final ClBuffer packed;
        long writes = -1;

        Entry(ClBuffer packed) {
            this.packed = packed;
        }
    }

    private final ClContext cl;
    private final long capFloats;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long floats;
    private int packs, hits;

    PackCache(ClContext cl, long capBytes) {
        this.cl = cl;
        this.capFloats = capBytes / 4;
    }

    /** The copy (size floats) of source in layout, made by make when new or when source was written since. */
    ClBuffer get(ClBuffer source, String layout, long size, Consumer<ClBuffer> make) {
        dropClosed();
        Key key = new Key(source, layout);
        Entry e = entries.get(key);
        long now = key.source().writes();
        if (e != null && e.writes == now) {
            hits++;
            return e.packed;
        }
        if (e == null) {
            evictFor(size);
            e = new Entry(cl.alloc(Shape.of((int) Math.max(1, size)), false));
            entries.put(key, e);
            floats += size;
        }
        make.accept(e.packed);
        e.writes = now;
        packs++;
        return e.packed;
    }

    /** Whether a copy of size floats may be kept at all (else the caller makes it in scratch space each time). */
    boolean fits(long size) {
        return size <= capFloats / 4;
    }

    private void dropClosed() {
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Entry> e = it.next();
            if (e.getKey().source().closed()) {
                release(e.getValue());
                it.remove();
            }
        }
    }

    private void evictFor(long size) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext() && floats + size > capFloats; ) {
            release(it.next());
            it.remove();
        }
    }

    private void release(Entry e) {
        floats -= e.packed.size();
        e.packed.close();
    }

    int entries() {
        return entries.size();
    }

    /** Copies made and reused since the backend opened (tests). */
    int[] counts() {
        return new int[]{packs, hits};
    }

    @Override
    public void close() {
        entries.values().forEach(this::release);
        entries.clear();
    }
}
