package io.github.clconv.nn;

import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The holder counts of the gradient buffers a model's layers share. */
class GradientPoolTest {
    private final ReferenceBackend ref = new ReferenceBackend();

    @Test
    void aBufferIsTakenAgainOnlyWhenNoOneHoldsIt() {
        try (GradientPool pool = new GradientPool()) {
            Shape s = Shape.of(2, 3);
            Buf a = pool.take(ref, s);
            pool.retain(a);
            pool.give(a);
            assertNotSame(a, pool.take(ref, s), "a is still held once");
            pool.give(a);
            assertSame(a, pool.take(ref, s), "a is free: taken again");
            assertEquals(2, pool.made());
            Buf elsewhere = ref.zeros(s);
            pool.retain(elsewhere);
            pool.give(elsewhere); // not the pool's: ignored
            pool.give(null);
            assertEquals(2, pool.held());
        }
    }

    @Test
    void givingBackTooOftenIsAnError() {
        try (GradientPool pool = new GradientPool()) {
            Buf a = pool.take(ref, Shape.of(4));
            pool.give(a);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.give(a));
            assertEquals("gradient buffer [4] given back more often than taken", e.getMessage());
        }
    }

    /** Flatten's input gradient is a view of its output gradient: the storage stays held until the view is given back. */
    @Test
    void flattensViewHoldsItsBase() {
        try (GradientPool pool = new GradientPool(); Flatten f = new Flatten()) {
            f.build(ref, Shape.of(2, 2, 2), Init.HE, new java.util.Random(1));
            f.share(pool);
            f.forward(ref.zeros(Shape.of(3, 2, 2, 2)), true);
            Buf dy = pool.take(ref, Shape.of(3, 8));
            Buf dx = f.backward(dy, true);
            pool.give(dy); // as the model does once the layer has run
            assertEquals(Shape.of(3, 2, 2, 2), dx.shape());
            assertNotSame(dy, pool.take(ref, Shape.of(3, 8)), "dy's storage is dx's, still to be read");
            pool.give(dx);
            assertEquals(1, pool.held(), "the second buffer taken above");
            assertSame(dy, pool.take(ref, Shape.of(3, 8)));
        }
    }

    /** A pass that no longer takes a shape: its free buffers go after two passes, so a short last batch keeps the full batch's. */
    @Test
    void unusedShapesAreReleasedAfterTwoPasses() {
        try (GradientPool pool = new GradientPool()) {
            pool.give(pool.take(ref, Shape.of(8, 5)));
            pool.endPass();
            pool.give(pool.take(ref, Shape.of(3, 5)));
            pool.endPass();
            assertEquals(2, pool.made(), "the full batch's buffer is kept through the short batch");
            pool.give(pool.take(ref, Shape.of(3, 5)));
            pool.endPass();
            assertEquals(1, pool.made());
        }
    }
}
