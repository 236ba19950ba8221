package io.github.clconv.backend;

import io.github.clconv.tensor.Shape;

/** A tensor owned by a backend: device memory for ClBackend, a double array for ReferenceBackend. */
public interface Buf extends AutoCloseable {
    Shape shape();

    /** Releases the storage; idempotent. */
    @Override
    void close();
}
