package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * One way to compute a convolution and both its gradients on a device (im2col + GEMM,
 * Winograd F(2x2) or F(4x4), direct, 1x1 as one GEMM), as dlprimitives' Conv2DForward is:
 * it says where it applies and what workspace its training forward keeps for its backward,
 * and ConvRouter chooses among those that apply by measurement (ConvTuner). A new algorithm
 * is a class implementing this, its kernels' .cl file, and one Registration line in
 * ConvRouter.ALGORITHMS (its name there is its name in the tuning cache and in --conv-algo).
 */
interface ConvAlgorithm {
    boolean applies(ConvGeom g);

    /** The buffer a training forward fills for the backward to reuse on g (x's im2col, transform or padded copy); null: none. */
    Shape keptShape(ConvGeom g);

    /** y = act(conv(x, w) + bias) (bias and act may be null; act ReLU or ReLU6, applied as y is stored); kept, of keptShape(g), or null. */
    void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept);

    /**
     * y = act(conv(x, w) + bias + residual), the add in the epilogue, where this algorithm's
     * kernels have one: returns false (and does nothing) where they have not, and the caller
     * adds in a pass of its own.
     */
    default boolean forwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        return false;
    }

    /**
     * y = maxpool2x2(act(conv(x, w) + bias)), stride 2, no padding (y [N][K][OH/2][OW/2]): a
     * conv-relu-maxpool(2) at inference in one pass, where this algorithm's kernels can pool as
     * they store; false (nothing done) where they cannot, and the caller pools in a pass of its own.
     */
    default boolean forwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        return false;
    }

    /** epilogue.h's flag: a residual added before the activation. */
    int EPI_RESIDUAL = 8;

    /** The flags argument of the kernels' epilogue (opencl/epilogue.h): bias, ReLU, ReLU6. */
    static int flags(Buf bias, Activation act) {
        int f = bias != null ? 1 : 0;
        if (act == null) {
            return f;
        }
        return f | switch (act) {
            case RELU -> 2;
            case RELU6 -> 4;
            default -> throw new IllegalArgumentException("a convolution's epilogue applies relu or relu6, not " + act.token);
        };
    }

    /** dx, dw and db (null: no bias) from dy; kept: what forward left there, or null. */
    void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept);
}
