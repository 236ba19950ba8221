package io.github.clconv.train;

import io.github.clconv.backend.Buf;

/** A loss on a batch: forward gives a [1] device buffer holding the batch mean; backward its gradient. */
public interface Loss extends AutoCloseable {
    Buf forward(Buf output, Buf target);

    Buf backward();

    @Override
    void close();
}
