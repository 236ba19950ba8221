package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** Launches opencl/norm.cl: batch normalisation over [N, C] or [N, C, H, W]. */
final class ClNorm {
    private static final KernelRef BN_STATS = new KernelRef("norm.cl", "bn_stats");
    private static final KernelRef BN_STATS_PLANES = new KernelRef("norm.cl", "bn_stats_planes");
    private static final KernelRef BN_STATS_MERGE = new KernelRef("norm.cl", "bn_stats_merge");
    private static final KernelRef BN_BACKWARD_REDUCE = new KernelRef("norm.cl", "bn_backward_reduce");
    private static final KernelRef BN_BACKWARD_PLANES = new KernelRef("norm.cl", "bn_backward_planes");
    private static final KernelRef BN_BACKWARD_MERGE = new KernelRef("norm.cl", "bn_backward_merge");
    /** Work-items per compute unit of the planes passes (several planes each): enough to share out, few enough that starting them costs little. */
    private static final int ITEMS_PER_UNIT = 8;
    private static final long[] ONE = {1};
    private static final KernelRef BN_APPLY = new KernelRef("norm.cl", "bn_apply");
    private static final KernelRef BN_APPLY_ROWS = new KernelRef("norm.cl", "bn_apply_rows");
    private static final KernelRef BN_BACKWARD_APPLY = new KernelRef("norm.cl", "bn_backward_apply");
    private static final KernelRef BN_BACKWARD_APPLY_ROWS = new KernelRef("norm.cl", "bn_backward_apply_rows");
    private final ClContext cl;
    private final Scratch scratch;

    /** MovementTuner's layout choice: an element per work-item, or a (image, channel) plane per work-item. */
    private final boolean elementwise;

    ClNorm(ClContext cl, Scratch scratch, boolean elementwise) {
        this.cl = cl;
        this.scratch = scratch;
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

    /** Two partial results per (image, channel) plane, from the planes passes. */
    private ClBuffer partials(int planes) {
        return scratch.get("norm.part", 2L * planes);
    }

    /** Contiguous (image, channel) planes per work-item of a planes pass over planes of them. */
    private int perItem(int planes) {
        return Math.max(1, planes / (ITEMS_PER_UNIT * cl.device().computeUnits()));
    }

    /** act: the ReLU or ReLU6 that follows, fused into the same pass, or null. */
    void trainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps, Buf y, Buf saveMean, Buf saveInvStd,
                      Activation act) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s);
        if (elementwise) {
            cl.kernel(BN_STATS).args(x, saveMean, saveInvStd, runMean, runVar, momentum, eps, n, c, p).runGroups(cl.reductionWidth(), c);
        } else {
            ClBuffer part = partials(n * c);
            int planes = n * c, per = perItem(planes);
            cl.kernel(BN_STATS_PLANES).args(x, part, c, p, planes, per).runLocal(ONE, (planes + per - 1) / per);
            cl.kernel(BN_STATS_MERGE).args(part, saveMean, saveInvStd, runMean, runVar, momentum, eps, n, c, p).runLocal(ONE, c);
        }
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
        if (elementwise) {
            cl.kernel(BN_BACKWARD_REDUCE).args(x, dy, y != null ? y : dy, code(act), mean, invStd, dgamma, dbeta, n, c, p)
                    .runGroups(cl.reductionWidth(), c);
        } else {
            ClBuffer part = partials(n * c);
            int planes = n * c, per = perItem(planes);
            cl.kernel(BN_BACKWARD_PLANES).args(x, dy, y != null ? y : dy, code(act), mean, part, c, p, planes, per)
                    .runLocal(ONE, (planes + per - 1) / per);
            cl.kernel(BN_BACKWARD_MERGE).args(part, invStd, dgamma, dbeta, n, c).runLocal(ONE, c);
        }
        if (elementwise) {
            cl.kernel(BN_BACKWARD_APPLY).args(x, dy, y != null ? y : dy, code(act), mean, invStd, gamma, dgamma, dbeta, dx, n, c, p, s.size())
                    .run(s.size());
        } else {
            cl.kernel(BN_BACKWARD_APPLY_ROWS).args(x, dy, y != null ? y : dy, code(act), mean, invStd, gamma, dgamma, dbeta, dx, n, c, p, n * c)
                    .run((long) n * c);
        }
    }
}
