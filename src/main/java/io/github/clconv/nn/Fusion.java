package io.github.clconv.nn;

import io.github.clconv.backend.Activation;

import java.util.List;

/**
 * The fusions every model type gets, decided in one place: a model describes its data flow as
 * links from a layer to the one layer that alone reads its output, and this pass fuses what
 * it can: a ReLU or ReLU6 into the batch norm before it (one pass over the data forward and
 * backward, BatchNorm.fuseActivation), and into the convolution before it (the convolution's
 * epilogue, Conv2d.fuseActivation: no pass of its own forward; after batch norms are folded for
 * inference, every conv-bn-relu is one kernel's output), and into the linear layer before it (as
 * its bias is added, Linear.fuseActivation; linear-bn-relu folds the same way); at inference, a convolution read by an
 * add alone does the add (and the add's ReLU) as it stores (intoConvolution). A new fusion is
 * one more rule here, not one per model type.
 */
final class Fusion {
    private Fusion() {
    }

    /** producer's output is read by soleReader and by nothing else (not by the model's caller either). */
    record Link(Layer producer, Layer soleReader) {
    }

    /**
     * The activation an add node applies as it stores its sum (a residual block's ReLU), when
     * soleReader, the one layer that reads the sum, is a ReLU or ReLU6; that layer then passes
     * values through. null: none.
     */
    static Activation intoAdd(Layer soleReader) {
        if (soleReader instanceof ActivationLayer a && fusable(a)) {
            a.passThrough();
            return a.kind;
        }
        return null;
    }

    /**
     * Whether an add node's input, producer, may do the add in its epilogue at inference: a
     * convolution with no activation of its own, read by that add alone, whose add's other input
     * is computed before it (otherAvailable). A training forward adds in a pass of its own.
     */
    static boolean intoConvolution(Layer producer, boolean otherAvailable, int readers) {
        return producer instanceof Conv2d c && c.linearOutput() && otherAvailable && readers == 1;
    }

    /** The activations an epilogue applies: ReLU and ReLU6 (their gradient follows from their output). */
    private static boolean fusable(ActivationLayer a) {
        return a.kind == Activation.RELU || a.kind == Activation.RELU6;
    }

    static void apply(List<Link> links) {
        for (Link l : links) {
            if (l.soleReader() instanceof ActivationLayer a && fusable(a)) {
                if (l.producer() instanceof BatchNorm bn) {
                    bn.fuseActivation(a);
                } else if (l.producer() instanceof Conv2d c) {
                    c.fuseActivation(a);
                } else if (l.producer() instanceof Linear lin) {
                    lin.fuseActivation(a);
                }
            }
        }
    }
}
