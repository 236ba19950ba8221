package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;

/** Launches opencl/optim.cl: SGD (momentum, Nesterov), AdaGrad and Adam steps. */
final class ClOptim {
    private static final KernelRef SGD_STEP = new KernelRef("optim.cl", "sgd_step");
    private static final KernelRef L1_GRADIENT = new KernelRef("optim.cl", "l1_gradient");
    private static final KernelRef ADAGRAD_STEP = new KernelRef("optim.cl", "adagrad_step");
    private static final KernelRef ADAM_STEP = new KernelRef("optim.cl", "adam_step");
    private final ClContext cl;

    ClOptim(ClContext cl) {
        this.cl = cl;
    }

    void l1Gradient(Buf p, Buf g, float lambda) {
        int n = p.shape().size();
        cl.kernel(L1_GRADIENT).args(p, g, lambda, n).run(n);
    }

    void sgd(Buf p, Buf g, Buf v, float lr, float momentum, float wd, boolean nesterov) {
        int n = p.shape().size();
        cl.kernel(SGD_STEP).args(p, g, v, lr, momentum, wd, nesterov, n).run(n);
    }

    void adagrad(Buf p, Buf g, Buf sum, float lr, float wd, float eps) {
        int n = p.shape().size();
        cl.kernel(ADAGRAD_STEP).args(p, g, sum, lr, wd, eps, n).run(n);
    }

    void adam(Buf p, Buf g, Buf m, Buf v, float lr, float b1, float b2, float eps, float wd, boolean decoupled, int step) {
        int n = p.shape().size();
        float c1 = (float) (1 - Math.pow(b1, step)), c2 = (float) (1 - Math.pow(b2, step));
        cl.kernel(ADAM_STEP).args(p, g, m, v, lr, b1, b2, eps, wd, c1, c2, decoupled, n).run(n);
    }
}
