package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** Launches opencl/norm.cl: batch normalisation over [N, C] or [N, C, H, W]. */
final class ClNorm {
    private final ClContext cl;

    ClNorm(ClContext cl) {
        this.cl = cl;
    }

    private static int plane(Shape s) {
        return s.size() / s.dim(0) / s.dim(1);
    }

    /** relu: the ReLU that follows, fused into the same pass. */
    void trainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps, Buf y, Buf saveMean, Buf saveInvStd,
                      boolean relu) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s);
        cl.kernel("norm.cl", "", "bn_stats").args(x, saveMean, saveInvStd, runMean, runVar, momentum, eps, n, c, p)
                .runGroups(cl.reductionWidth(), c);
        cl.kernel("norm.cl", "", "bn_apply").args(x, saveMean, saveInvStd, gamma, beta, y, false, relu, eps, c, p, s.size())
                .run(s.size());
    }

    void inferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y, boolean relu) {
        Shape s = x.shape();
        cl.kernel("norm.cl", "", "bn_apply").args(x, runMean, runVar, gamma, beta, y, true, relu, eps, s.dim(1), plane(s), s.size())
                .run(s.size());
    }

    /** y: the fused ReLU's output, which masks dy (null: no ReLU). */
    void backward(Buf x, Buf gamma, Buf mean, Buf invStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s);
        cl.kernel("norm.cl", "", "bn_backward_reduce").args(x, dy, y != null ? y : dy, y != null, mean, invStd, dgamma, dbeta, n, c, p)
                .runGroups(cl.reductionWidth(), c);
        cl.kernel("norm.cl", "", "bn_backward_apply").args(x, dy, y != null ? y : dy, y != null, mean, invStd, gamma, dgamma, dbeta, dx, n, c, p, s.size())
                .run(s.size());
    }
}
