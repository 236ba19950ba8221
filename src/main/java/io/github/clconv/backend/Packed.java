package io.github.clconv.backend;

import java.util.List;

/**
 * Tensors carved from one flat buffer: parts.get(i) is a view of a stretch of flat.
 * The gaps between parts hold zeros. Closing it releases the flat buffer; the parts
 * are closed by whoever adopted them.
 */
public record Packed(Buf flat, List<Buf> parts) implements AutoCloseable {
    public Packed {
        parts = List.copyOf(parts);
    }

    @Override
    public void close() {
        flat.close();
    }
}
