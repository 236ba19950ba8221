package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * 1x1 convolutions with stride 1 and no padding: im2col would copy the input unchanged,
 * so each image is one GEMM on the NCHW data itself, written straight into the output, the
 * batch's images in one launch (ClGemm.runBatch: the weights are every item's A).
 *
 *   forward : y[n] = act(W[K, C] * x[n][C, H*W] + bias (+ residual[n])), bias, residual and activation
 *             as the GEMM stores where its kernel can, else bias and activation in a pass of their own
 *   backward: dW = sum over n of dy[n] * x[n]^T (ClGemm.runSum);  dx[n] = W^T * dy[n];  db = sums of dy's rows
 */
final class ClConv1x1 implements ConvAlgorithm {
    private static final KernelRef ADD_BIAS_CHANNELS = new KernelRef("tensor.cl", "add_bias_channels");
    private final ClContext cl;
    private final ClGemm gemm;
    private final Scratch scratch;

    /** MovementTuner's layout: which bias-gradient sums suit the device. */
    private final boolean elementwise;

    ClConv1x1(ClContext cl, ClGemm gemm, Scratch scratch, boolean elementwise) {
        this.elementwise = elementwise;
        this.cl = cl;
        this.gemm = gemm;
        this.scratch = scratch;
    }

    @Override
    public boolean applies(ConvGeom g) {
        return appliesTo(g);
    }

    @Override
    public Shape keptShape(ConvGeom g) {
        return null; // x itself is the GEMM's operand: nothing to keep
    }

    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        forward(x, w, bias, g, act, y);
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        backward(x, w, dy, g, dx, dw, db);
    }

    static boolean appliesTo(ConvGeom g) {
        return g.r() == 1 && g.s() == 1 && g.stride() == 1 && g.pad() == 0 && g.groups() == 1;
    }

    /**
     * y = act(W * x + bias): bias and activation as the GEMM stores where its kernel for the shape can
     * (ClGemm.runBatchWithRowEpilogue), else in one pass after it (mobilenet_v2's 34 such passes at batch 16 took 6 ms
     * of its 187 on PoCL 3.1).
     */
    void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        int p = g.h() * g.w(), c = g.c(), k = g.k(), flags = ConvAlgorithm.flags(bias, act);
        boolean[] fused = {false};
        gemm.withWeights(w, () -> { // once per forward: withWeights tells an unwritten (inference) operand from a training step's
            fused[0] = flags != 0 && gemm.runBatchWithRowEpilogue(g.n(), k, p, c, w, x, c * p, y, k * p, bias, flags, null);
            if (!fused[0]) {
                gemm.runBatch(g.n(), false, false, k, p, c, 1f, w, 0, c, 0, x, 0, p, c * p, 0f, y, 0, p, k * p);
            }
        });
        if (flags != 0 && !fused[0]) { // the GEMM stored plainly: bias and activation in one pass after it
            cl.kernel(ADD_BIAS_CHANNELS).args(y, bias != null ? bias : y, flags, k, p, g.n() * k).run((long) g.n() * k);
        }
    }

    /**
     * The residual block's add (and its activation) as the GEMM stores, where its kernel for the shape can (a
     * projection's or a bottleneck's last 1x1 convolution at inference): false, nothing done, elsewhere.
     */
    @Override
    public boolean forwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        int p = g.h() * g.w(), c = g.c(), k = g.k(), flags = ConvAlgorithm.flags(bias, act) | EPI_RESIDUAL;
        boolean[] done = {false};
        gemm.withWeights(w, () -> done[0] = gemm.runBatchWithRowEpilogue(g.n(), k, p, c, w, x, c * p, y, k * p, bias, flags, residual));
        return done[0];
    }

    void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db) {
        int p = g.h() * g.w(), c = g.c(), k = g.k();
        if (dw != null) {
            gemm.runSum(g.n(), false, true, k, c, p, 1f, dy, 0, p, k * p, x, 0, p, c * p, 0f, dw, 0, c);
        }
        if (dx != null) {
            gemm.runBatch(g.n(), true, false, c, p, k, 1f, w, 0, c, 0, dy, 0, p, k * p, 0f, dx, 0, p, c * p);
        }
        if (db != null) {
            ClConv.biasGradient(cl, scratch, elementwise, dy, g.n(), k, p, db);
        }
    }
}
