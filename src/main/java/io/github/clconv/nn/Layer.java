package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/**
 * One layer of a Sequential or a Graph. build() fixes the input shape (per sample) and creates the
 * parameters; forward() and backward() return buffers the layer owns, valid until its
 * next call with the same batch size.
 */
public interface Layer extends AutoCloseable {
    /** The layer as a model-spec token, e.g. conv(20,5). */
    String spec();

    /** A new, unbuilt layer of the same configuration (for a model derived from this one, as batch-norm folding makes). */
    Layer fresh();

    /** Output shape per sample for an input shape per sample; throws when the size shrinks below 1. */
    Shape outputShape(Shape in);

    default void build(Backend b, Shape in, Init init, Random rnd) {
    }

    /** Multiply-adds of one sample's forward pass (convolutions and linear layers; the rest count none). */
    default long multiplyAdds(Shape in) {
        return 0;
    }

    /** The shapes params() will have after build(in), by name, without allocating anything. */
    default java.util.Map<String, Shape> paramShapes(Shape in) {
        return java.util.Map.of();
    }

    Buf forward(Buf x, boolean training);

    /** needDx false: the first layer's input gradient is never used, so it is not computed. */
    Buf backward(Buf dy, boolean needDx);

    default List<Param> params() {
        return List.of();
    }

    /**
     * Moves the trainable parameters onto new storage, given in params() order with the same
     * shapes and values already copied; the layer closes the tensors it had.
     */
    default void adopt(List<Param> trainable) {
        if (!trainable.isEmpty()) {
            throw new IllegalStateException(spec() + " has no trainable parameters to adopt");
        }
    }

    /**
     * The names (as params() gives them) of this layer's tensors that a fine-tune keeps as they
     * are: a layer whose every tensor is frozen need compute no gradient for them (a convolution
     * or linear layer then skips its weight gradient; backward still passes dx on).
     */
    default void frozen(java.util.Set<String> names) {
    }

    /**
     * From now on backward() takes its returned gradient (and any buffer it needs only during the
     * call) from the model's pool, and gives its scratch back before returning; the model gives
     * the returned gradient back once the layer before has read it.
     */
    default void share(GradientPool pool) {
    }

    @Override
    default void close() {
    }
}
