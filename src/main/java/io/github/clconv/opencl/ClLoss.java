package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;

/** Launches opencl/loss.cl: softmax, log-softmax, softmax-cross-entropy and MSE (ReferenceLoss on the host). */
final class ClLoss {
    private static final int MSE_CHUNK = 4096;
    private final ClContext cl;
    private final Scratch scratch;

    ClLoss(ClContext cl, Scratch scratch) {
        this.cl = cl;
        this.scratch = scratch;
    }

    void softmaxForward(Buf x, Buf y, boolean log) {
        int rows = x.shape().dim(0), cols = x.shape().dim(1);
        cl.kernel("loss.cl", "", "softmax_forward").args(x, y, rows, cols, log).run(rows);
    }

    void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        int rows = y.shape().dim(0), cols = y.shape().dim(1);
        cl.kernel("loss.cl", "", "softmax_backward").args(y, dy, dx, rows, cols, log).run(rows);
    }

    void xentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss) {
        int rows = logits.shape().dim(0), cols = logits.shape().dim(1);
        ClBuffer rowLoss = scratch.get("xent.rows", rows);
        cl.kernel("loss.cl", "", "xent_forward").args(logits, labels, probs, rowLoss, rows, cols, smoothing).run(rows);
        cl.kernel("loss.cl", "", "mean_of").args(rowLoss, loss, rows, (float) rows).runGroups(cl.reductionWidth(), 1);
    }

    void xentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        int rows = probs.shape().dim(0), cols = probs.shape().dim(1);
        cl.kernel("loss.cl", "", "xent_backward").args(probs, labels, dlogits, rows, cols, smoothing).run((long) rows * cols);
    }

    void mseForward(Buf y, Buf t, Buf loss) {
        int n = y.shape().size();
        int parts = (n + MSE_CHUNK - 1) / MSE_CHUNK;
        ClBuffer part = scratch.get("mse.parts", parts);
        cl.kernel("loss.cl", "", "mse_partial").args(y, t, part, n, MSE_CHUNK).run(parts);
        cl.kernel("loss.cl", "", "mean_of").args(part, loss, parts, (float) n).runGroups(cl.reductionWidth(), 1);
    }

    void mseBackward(Buf y, Buf t, Buf dy) {
        int n = y.shape().size();
        cl.kernel("loss.cl", "", "mse_backward").args(y, t, dy, n).run(n);
    }
}
