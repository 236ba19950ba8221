package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;

/** Launches opencl/loss.cl: softmax, log-softmax, softmax-cross-entropy and MSE (ReferenceLoss on the host). */
final class ClLoss {
    private static final KernelRef SOFTMAX_FORWARD = new KernelRef("loss.cl", "softmax_forward");
    private static final KernelRef SOFTMAX_BACKWARD = new KernelRef("loss.cl", "softmax_backward");
    private static final KernelRef XENT_FORWARD = new KernelRef("loss.cl", "xent_forward");
    private static final KernelRef MEAN_OF = new KernelRef("loss.cl", "mean_of");
    private static final KernelRef XENT_BACKWARD = new KernelRef("loss.cl", "xent_backward");
    private static final KernelRef MSE_PARTIAL = new KernelRef("loss.cl", "mse_partial");
    private static final KernelRef MSE_BACKWARD = new KernelRef("loss.cl", "mse_backward");
    private static final int MSE_CHUNK = 4096;
    private final ClContext cl;
    private final Scratch scratch;

    ClLoss(ClContext cl, Scratch scratch) {
        this.cl = cl;
        this.scratch = scratch;
    }

    void softmaxForward(Buf x, Buf y, boolean log) {
        int rows = x.shape().dim(0), cols = x.shape().dim(1);
        cl.kernel(SOFTMAX_FORWARD).args(x, y, rows, cols, log).run(rows);
    }

    void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        int rows = y.shape().dim(0), cols = y.shape().dim(1);
        cl.kernel(SOFTMAX_BACKWARD).args(y, dy, dx, rows, cols, log).run(rows);
    }

    void xentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss) {
        int rows = logits.shape().dim(0), cols = logits.shape().dim(1);
        ClBuffer rowLoss = scratch.get("xent.rows", rows);
        cl.kernel(XENT_FORWARD).args(logits, labels, probs, rowLoss, rows, cols, smoothing).run(rows);
        cl.kernel(MEAN_OF).args(rowLoss, loss, rows, (float) rows).runGroups(cl.reductionWidth(), 1);
    }

    void xentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        int rows = probs.shape().dim(0), cols = probs.shape().dim(1);
        cl.kernel(XENT_BACKWARD).args(probs, labels, dlogits, rows, cols, smoothing).run((long) rows * cols);
    }

    void mseForward(Buf y, Buf t, Buf loss) {
        int n = y.shape().size();
        int parts = (n + MSE_CHUNK - 1) / MSE_CHUNK;
        ClBuffer part = scratch.get("mse.parts", parts);
        cl.kernel(MSE_PARTIAL).args(y, t, part, n, MSE_CHUNK).run(parts);
        cl.kernel(MEAN_OF).args(part, loss, parts, (float) n).runGroups(cl.reductionWidth(), 1);
    }

    void mseBackward(Buf y, Buf t, Buf dy) {
        int n = y.shape().size();
        cl.kernel(MSE_BACKWARD).args(y, t, dy, n).run(n);
    }
}
