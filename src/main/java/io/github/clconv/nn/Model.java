package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Optional;

/**
 * A network built on a backend: a chain of layers (Sequential) or a graph of them (Graph).
 * The trainer, evaluator, optimisers and checkpoints see only this.
 */
public interface Model extends AutoCloseable {
    /** The shape of one input sample, [C, H, W] or flat. */
    Shape input();

    /** The shape of one output sample. */
    Shape output();

    Backend backend();

    /** The model spec it was built from (what a checkpoint's metadata keeps), or null for a graph built in Java. */
    String spec();

    /** A short description for logs: the spec, or the graph's size. */
    /** A table of the layers (name, kind, output shape per sample, parameters) and the total, as Keras's model.summary(). */
    String summary();

    /**
     * Multiply-adds of one sample's forward pass through the convolutions and linear layers, as
     * direct convolution counts them (a training step does about three times as many: the
     * forward and both gradients); what a benchmark divides by to give a fraction of a peak.
     */
    long multiplyAdds();

    default String describe() {
        return spec() != null ? spec() : "graph of " + layers().size() + " layers";
    }

    /** Output for a batch; the buffer is the model's, valid until the next call with the same batch size. */
    Buf forward(Buf x, boolean training);

    /** Gradients of every trainable parameter for dOut, the gradient of the last forward's output. */
    void backward(Buf dOut);

    /** Every tensor with its state_dict name, in a fixed order. */
    List<NamedParam> params();

    /** Every layer, in the order they run. */
    List<Layer> layers();

    /** Every trainable value and its gradient as one flat pair, when the backend packed them. */
    Optional<Param> flatTrainable();

    /**
     * Freezes these trainable tensors (state_dict names, Freezing.select): backward skips what
     * nothing trainable precedes, and frozen batch norms there use their running statistics.
     * The optimiser leaves them alone (frozen()).
     */
    void freeze(java.util.Set<String> names);

    /** The frozen tensors' names (empty: everything trains). */
    java.util.Set<String> frozen();

    default long parameterCount() {
        return params().stream().filter(p -> p.param().trainable()).mapToLong(p -> p.param().value().shape().size()).sum();
    }

    @Override
    void close();
}
