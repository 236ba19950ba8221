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
    private PackCache kept;

    Scratch(ClContext cl) {
        this.cl = cl;
    }

    /**
     * A copy of source (a layer's weights) in a kernel's layout, size floats, kept while source is unwritten
     * (PackCache, an eighth of the device's memory at most); where it is too large to keep, named scratch.
     */
    ClBuffer derived(ClBuffer source, String layout, long size, java.util.function.Consumer<ClBuffer> make) {
        if (kept == null) {
            kept = new PackCache(cl, cl.device().globalMemBytes() / 8);
        }
        if (!kept.fits(size)) {
            ClBuffer b = get(layout.substring(0, layout.indexOf(' ') < 0 ? layout.length() : layout.indexOf(' ')), size);
            make.accept(b);
            return b;
        }
        return kept.get(source, layout, size, make);
    }

    /** PackCache's copies made and reused (tests). */
    int[] derivedCounts() {
        return kept == null ? new int[2] : kept.counts();
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

    /** A buffer named name of at least floats zeros, written when it is made (kernels only read it). */
    ClBuffer zeros(String name, long floats) {
        ClBuffer b = buffers.get(name);
        if (b == null || b.size() < floats) {
            b = get(name, floats);
            cl.write(b, new float[(int) b.size()]);
        }
        return b;
    }

    @Override
    public void close() {
        buffers.values().forEach(ClBuffer::close);
        buffers.clear();
        if (kept != null) {
            kept.close();
        }
    }
}
