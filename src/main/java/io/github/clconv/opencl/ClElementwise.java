package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;

/** Launches opencl/activation.cl (with PReLU), opencl/dropout.cl, opencl/augment.cl and the plain kernels of opencl/tensor.cl. */
final class ClElementwise {
    private static final KernelRef FILL = new KernelRef("tensor.cl", "fill");
    private static final KernelRef GATHER_ROWS = new KernelRef("tensor.cl", "gather_rows");
    private static final KernelRef ADD = new KernelRef("tensor.cl", "add");
    private static final KernelRef COPY_CHANNELS = new KernelRef("tensor.cl", "copy_channels");
    private static final KernelRef AUGMENT = new KernelRef("augment.cl", "augment");
    private static final KernelRef PRELU_FORWARD = new KernelRef("activation.cl", "prelu_forward");
    private static final KernelRef PRELU_BACKWARD_DX = new KernelRef("activation.cl", "prelu_backward_dx");
    private static final KernelRef PRELU_BACKWARD_DA = new KernelRef("activation.cl", "prelu_backward_da");
    private static final KernelRef DROPOUT_FORWARD = new KernelRef("dropout.cl", "dropout_forward");
    private static final KernelRef DROPOUT_BACKWARD = new KernelRef("dropout.cl", "dropout_backward");
    private static final KernelRef ADD_ROWS = new KernelRef("tensor.cl", "add_rows");
    /** Work-items per compute unit of the rows kernels (several vectors each): enough to share out, few enough that starting them costs little. */
    private static final int ITEMS_PER_UNIT = 8;
    private final ClContext cl;
    /** MovementTuner's verdict: work-items run one after another (a range of vectors each), else one value per work-item. */
    private final boolean rows;

    ClElementwise(ClContext cl, boolean rows) {
        this.cl = cl;
        this.rows = rows;
    }

    void fill(Buf x, float v) {
        int n = x.shape().size();
        cl.kernel(FILL).args(x, v, n).run(n);
    }

    void gatherRows(Buf src, Buf idx, int offset, Buf dst) {
        int row = src.shape().perSample(), rows = dst.shape().dim(0);
        cl.kernel(GATHER_ROWS).args(src, idx, offset, dst, row, rows, src.shape().dim(0)).run((long) row * rows);
    }

    void add(Buf a, Buf b, Activation act, Buf y) {
        int n = y.shape().size();
        int flags = ConvAlgorithm.flags(null, act);
        if (rows) {
            int per = perItem(n);
            cl.kernel(ADD_ROWS).args(a, b, y, flags, n, per).runLocal(new long[]{1}, (n + per - 1) / per);
        } else {
            cl.kernel(ADD).args(a, b, y, flags, n).run(n);
        }
    }

    /** Values per work-item of the rows kernels: whole vectors, ITEMS_PER_UNIT work-items per compute unit. */
    private int perItem(int n) {
        return Math.max(16, (n / (ITEMS_PER_UNIT * cl.device().computeUnits()) + 15) / 16 * 16);
    }

    void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        int batch = src.shape().dim(0), plane = src.shape().size() / batch / src.shape().dim(1);
        long total = (long) batch * count * plane;
        if (total > 0) {
            cl.kernel(COPY_CHANNELS).args(src, src.shape().dim(1), srcC0, dst, dst.shape().dim(1), dstC0, count, plane, (int) total)
                    .run(total);
        }
    }

    /** A random horizontal flip and/or crop after zero padding of each image of x [N, C, H, W], drawn from seed (augment.cl). */
    void augment(Buf x, boolean hflip, int pad, long seed, Buf y) {
        io.github.clconv.tensor.Shape s = x.shape();
        cl.kernel(AUGMENT).args(x, y, s.dim(1), s.dim(2), s.dim(3), pad, hflip, (int) seed, (int) (seed >>> 32), s.size()).run(s.size());
    }

    void preluForward(Buf x, Buf a, Buf y) {
        io.github.clconv.tensor.Shape s = x.shape();
        int c = s.dim(1), p = s.size() / s.dim(0) / c;
        cl.kernel(PRELU_FORWARD).args(x, a, y, c, p, s.size()).run(s.size());
    }

    void preluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) {
        io.github.clconv.tensor.Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), p = s.size() / n / c;
        cl.kernel(PRELU_BACKWARD_DX).args(x, a, dy, dx, c, p, s.size()).run(s.size());
        cl.kernel(PRELU_BACKWARD_DA).args(x, dy, da, n, c, p).runGroups(cl.reductionWidth(), c);
    }

    void activationForward(Activation a, float alpha, Buf x, Buf y) {
        int n = x.shape().size();
        cl.kernel("activation.cl", "-DACT=" + a.code, "act_forward").args(a.code, alpha, x, y, n).run(n);
    }

    void activationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        int n = x.shape().size();
        if (rows) {
            int per = perItem(n);
            cl.kernel("activation.cl", "-DACT=" + a.code, "act_backward_rows").args(a.code, alpha, x, y, dy, dx, n, per)
                    .runLocal(new long[]{1}, (n + per - 1) / per);
        } else {
            cl.kernel("activation.cl", "-DACT=" + a.code, "act_backward").args(a.code, alpha, x, y, dy, dx, n).run(n);
        }
    }

    void dropoutForward(Buf x, float p, long seed, Buf mask, Buf y) {
        int n = x.shape().size();
        cl.kernel(DROPOUT_FORWARD).args(x, mask, y, p, (int) seed, (int) (seed >>> 32), n).run((n + 3) / 4);
    }

    void dropoutBackward(Buf dy, Buf mask, Buf dx) {
        int n = dy.shape().size();
        cl.kernel(DROPOUT_BACKWARD).args(dy, mask, dx, n).run(n);
    }
}
