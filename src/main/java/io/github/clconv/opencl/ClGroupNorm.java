package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** Launches opencl/groupnorm.cl: GroupNorm, InstanceNorm and LayerNorm over [N, C] or [N, C, H, W]. */
final class ClGroupNorm {
    private static final KernelRef GN_STATS = new KernelRef("groupnorm.cl", "gn_stats");
    private static final KernelRef GN_APPLY = new KernelRef("groupnorm.cl", "gn_apply");
    private static final KernelRef GN_BACKWARD = new KernelRef("groupnorm.cl", "gn_backward");
    private static final KernelRef GN_PARAM_GRADS_CHANNEL = new KernelRef("groupnorm.cl", "gn_param_grads_channel");
    private static final KernelRef GN_PARAM_GRADS_ELEMENT = new KernelRef("groupnorm.cl", "gn_param_grads_element");
    private final ClContext cl;

    ClGroupNorm(ClContext cl) {
        this.cl = cl;
    }

    private static int plane(Shape s) {
        return s.size() / s.dim(0) / s.dim(1);
    }

    void forward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s), m = c / groups * p;
        boolean elementwise = gamma.shape().size() != c;
        cl.kernel(GN_STATS).args(x, saveMean, saveInvStd, eps, m).runGroups(cl.reductionWidth(), (long) n * groups);
        cl.kernel(GN_APPLY).args(x, saveMean, saveInvStd, gamma, beta, y, c, p, m, elementwise, s.size()).run(s.size());
    }

    void backward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = plane(s), m = c / groups * p;
        boolean elementwise = gamma.shape().size() != c;
        cl.kernel(GN_BACKWARD).args(x, dy, saveMean, saveInvStd, gamma, dx, c, p, m, elementwise).runGroups(cl.reductionWidth(), (long) n * groups);
        if (elementwise) {
            cl.kernel(GN_PARAM_GRADS_ELEMENT).args(x, dy, saveMean, saveInvStd, dgamma, dbeta, n, c, p, groups).run((long) c * p);
        } else {
            cl.kernel(GN_PARAM_GRADS_CHANNEL).args(x, dy, saveMean, saveInvStd, dgamma, dbeta, n, c, p, groups).runGroups(cl.reductionWidth(), c);
        }
    }
}
