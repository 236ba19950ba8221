package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** Launches opencl/norm.cl: batch normalisation over [N, C] or [N, C, H, W]. */
final class ClNorm {
    private static final KernelRef BN_STATS = new KernelRef("norm.cl", "bn_stats");
    private static final KernelRef BN_STATS_ROWS = new KernelRef("norm.cl", "bn_stats_rows");
    private static final KernelRef BN_BACKWARD_REDUCE = new KernelRef("norm.cl", "bn_backward_reduce");
    private static final KernelRef BN_BACKWARD_REDUCE_ROWS = new KernelRef("norm.cl", "bn_backward_reduce_rows");
    private static final KernelRef BN_APPLY = new KernelRef("norm.cl", "bn_apply");
    private static final KernelRef BN_APPLY_ROWS = new KernelRef("norm.cl", "bn_apply_rows");
    private static final KernelRef BN_BACKWARD_APPLY = new KernelRef("norm.cl", "bn_backward_apply");
    private static final KernelRef BN_BACKWARD_APPLY_ROWS = new KernelRef("norm.cl", "bn_backward_apply_rows");
    private final ClContext cl;

    /** MovementTuner's layout choice: an element per work-item, or a (image, channel) plane per work-item. */
    private final boolean elementwise;

    ClNorm(ClContext cl, boolean elementwise) {
        this.cl = cl;
        this.elementwise = elementwise;
    }

    private void apply(Buf x, Buf mean, Buf stat2, Buf gamma, Buf beta, Buf y, boolean infer, Activation act, float eps, Shape s) {
        int c = s.dim(1), p = plane(s);
        if (elementwise) {
            cl.kernel(BN_APPLY).args(x, mean, stat2, gamma, beta, y, infer, code(act), eps, c, p, s.size()).run(s.size());
        } else {
            int planes = s.dim(0) * c;
            cl.kernel(BN_APPLY_ROWS).args(x, mean, stat2, gamma, beta, y, infer, code(act), eps, c, p, planes).run(planes);
        }
    }

    /** norm.cl's act: 0 none, 1 ReLU, 2 ReLU6. */
    private static int code(Activation act) {
        return act == null ? 0 : act == Activation.RELU6 ? 2 : 1;
    }

    private static int plane(Shape s) {
        return s.size() / s.dim(0) / s.dim(1);
    }

    /** A channel reduction: a work-group of reductionWidth() per channel, or (rows) one work-item per channel. */
    private void perChannel(ClKernel k, int c) {
        if (elementwise) {
            k.runGroups(cl.reductionWidth(), c);
        } else {
            k.runLocal(new long[]{1}, c);
        }
    }

    /** act: the ReLU or ReLU6 that follows, fused into the same pass, or null. */
    void trainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps, Buf y, Buf saveMean, Buf saveInvStd,
                      Activation act) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s);
        ClKernel k = cl.kernel(elementwise ? BN_STATS : BN_STATS_ROWS).args(x, saveMean, saveInvStd, runMean, runVar, momentum, eps, n, c, p);
        perChannel(k, c);
        apply(x, saveMean, saveInvStd, gamma, beta, y, false, act, eps, s);
    }

    void inferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y, Activation act) {
        Shape s = x.shape();
        apply(x, runMean, runVar, gamma, beta, y, true, act, eps, s);
    }

    /** y: the fused activation's output, which masks dy (null: none, and act is null). */
    void backward(Buf x, Buf gamma, Buf mean, Buf invStd, Buf y, Activation act, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s);
        perChannel(cl.kernel(elementwise ? BN_BACKWARD_REDUCE : BN_BACKWARD_REDUCE_ROWS)
                .args(x, dy, y != null ? y : dy, code(act), mean, invStd, dgamma, dbeta, n, c, p), c);
        if (elementwise) {
            cl.kernel(BN_BACKWARD_APPLY).args(x, dy, y != null ? y : dy, code(act), mean, invStd, gamma, dgamma, dbeta, dx, n, c, p, s.size())
                    .run(s.size());
        } else {
            cl.kernel(BN_BACKWARD_APPLY_ROWS).args(x, dy, y != null ? y : dy, code(act), mean, invStd, gamma, dgamma, dbeta, dx, n, c, p, n * c)
                    .run((long) n * c);
        }
    }
}
