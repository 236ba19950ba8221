package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.PoolGeom;

/**
 * Launches opencl/pool.cl: max pooling (with argmax) and average pooling, forward and backward; a row per work-item,
 * or an element (the _elem kernels) where MovementTuner found that the device runs work-items in lanes.
 */
final class ClPool {
    /** Work-items per compute unit of maxpool2x2_forward (each several rows): enough to share out, few enough that starting them costs little. */
    private static final int ROWS_PER_UNIT = 8;
    private static final KernelRef GLOBALAVGPOOL_FORWARD_ROWS = new KernelRef("pool.cl", "globalavgpool_forward_rows");
    private static final KernelRef GLOBALAVGPOOL_FORWARD = new KernelRef("pool.cl", "globalavgpool_forward");
    private static final KernelRef GLOBALAVGPOOL_BACKWARD = new KernelRef("pool.cl", "globalavgpool_backward");
    private static final KernelRef ADAPTIVEAVGPOOL_FORWARD = new KernelRef("pool.cl", "adaptiveavgpool_forward");
    private static final KernelRef ADAPTIVEAVGPOOL_BACKWARD = new KernelRef("pool.cl", "adaptiveavgpool_backward");
    private static final KernelRef MAXPOOL_FORWARD_ELEM = new KernelRef("pool.cl", "maxpool_forward_elem");
    private static final KernelRef MAXPOOL2X2_FORWARD = new KernelRef("pool.cl", "maxpool2x2_forward");
    private static final KernelRef MAXPOOL_FORWARD = new KernelRef("pool.cl", "maxpool_forward");
    private static final KernelRef FILL = new KernelRef("tensor.cl", "fill");
    private static final KernelRef MAXPOOL_BACKWARD_SCATTER_ELEM = new KernelRef("pool.cl", "maxpool_backward_scatter_elem");
    private static final KernelRef MAXPOOL_BACKWARD_SCATTER = new KernelRef("pool.cl", "maxpool_backward_scatter");
    private static final KernelRef MAXPOOL_BACKWARD_ELEM = new KernelRef("pool.cl", "maxpool_backward_elem");
    private static final KernelRef MAXPOOL_BACKWARD = new KernelRef("pool.cl", "maxpool_backward");
    private static final KernelRef AVGPOOL_FORWARD_ELEM = new KernelRef("pool.cl", "avgpool_forward_elem");
    private static final KernelRef AVGPOOL_FORWARD = new KernelRef("pool.cl", "avgpool_forward");
    private static final KernelRef AVGPOOL_BACKWARD_ELEM = new KernelRef("pool.cl", "avgpool_backward_elem");
    private static final KernelRef AVGPOOL_BACKWARD = new KernelRef("pool.cl", "avgpool_backward");
    private final ClContext cl;
    private final boolean elementwise;

    ClPool(ClContext cl, boolean elementwise) {
        this.cl = cl;
        this.elementwise = elementwise;
    }

    private Object[] geom(PoolGeom g, int rows) {
        return new Object[]{g.h(), g.w(), g.kernel(), g.stride(), g.pad(), g.oh(), g.ow(), rows};
    }

    private static Object[] cat(Object[] a, Object[] b) {
        Object[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Planes up to SMALL_PLANE values (resnet20's last 8x8 and 7x7) take a work-item each. */
    static final int SMALL_PLANE = 64;

    /** One work-group per plane (reduction.h) or a work-item per small plane, forward; an element per work-item backward. */
    void globalAvgForward(Buf x, Buf y) {
        int rows = y.shape().size(), p = x.shape().size() / rows;
        if (p <= SMALL_PLANE) {
            cl.kernel(GLOBALAVGPOOL_FORWARD_ROWS).args(x, y, p, rows).run(rows);
            return;
        }
        cl.kernel(GLOBALAVGPOOL_FORWARD).args(x, y, p, rows).runGroups(cl.reductionWidth(), rows);
    }

    void globalAvgBackward(Buf dy, Buf dx) {
        int total = dx.shape().size(), p = total / dy.shape().size();
        cl.kernel(GLOBALAVGPOOL_BACKWARD).args(dy, dx, p, total).run(total);
    }

    /** An element per work-item both ways (the backward pass gathers). */
    void adaptiveAvgForward(Buf x, Buf y) {
        int total = y.shape().size();
        cl.kernel(ADAPTIVEAVGPOOL_FORWARD).args(x, y, x.shape().dim(2), x.shape().dim(3), y.shape().dim(2), y.shape().dim(3), total).run(total);
    }

    void adaptiveAvgBackward(Buf dy, Buf dx) {
        int total = dx.shape().size();
        cl.kernel(ADAPTIVEAVGPOOL_BACKWARD).args(dy, dx, dx.shape().dim(2), dx.shape().dim(3), dy.shape().dim(2), dy.shape().dim(3), total).run(total);
    }

    void maxForward(Buf x, PoolGeom g, Buf y, Buf argmax) {
        int rows = g.n() * g.c() * g.oh();
        if (elementwise) {
            int total = rows * g.ow();
            cl.kernel(MAXPOOL_FORWARD_ELEM).args(cat(new Object[]{x, y, argmax}, geom(g, total))).run(total);
            return;
        }
        if (g.kernel() == 2 && g.stride() == 2 && g.pad() == 0) {
            int per = Math.max(1, rows / (ROWS_PER_UNIT * cl.device().computeUnits()));
            cl.kernel(MAXPOOL2X2_FORWARD).args(x, y, argmax, g.h(), g.w(), g.oh(), g.ow(), rows, per).runLocal(new long[]{1}, (rows + per - 1) / per);
            return;
        }
        cl.kernel(MAXPOOL_FORWARD).args(cat(new Object[]{x, y, argmax}, geom(g, rows))).run(rows);
    }

    void maxBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) {
        int n = dx.shape().size();
        if (g.stride() >= g.kernel()) {
            int rows = g.n() * g.c() * g.oh();
            cl.kernel(FILL).args(dx, 0f, n).run(n);
            if (elementwise) {
                int total = rows * g.ow();
                cl.kernel(MAXPOOL_BACKWARD_SCATTER_ELEM).args(dy, argmax, dx, g.h(), g.w(), g.oh(), g.ow(), total).run(total);
            } else {
                cl.kernel(MAXPOOL_BACKWARD_SCATTER).args(dy, argmax, dx, g.h(), g.w(), g.oh(), g.ow(), rows).run(rows);
            }
            return;
        }
        if (elementwise) {
            cl.kernel(MAXPOOL_BACKWARD_ELEM).args(cat(new Object[]{dy, argmax, dx}, geom(g, n))).run(n);
            return;
        }
        int planes = g.n() * g.c(); // a plane per work-item adding at the argmaxes: 7x faster than gathering by rows (resnet18's stem pool)
        cl.kernel(FILL).args(dx, 0f, n).run(n);
        cl.kernel(MAXPOOL_BACKWARD).args(dy, argmax, dx, g.h() * g.w(), g.oh() * g.ow(), planes).run(planes);
    }

    void avgForward(Buf x, PoolGeom g, Buf y) {
        if (elementwise) {
            int total = y.shape().size();
            cl.kernel(AVGPOOL_FORWARD_ELEM).args(cat(new Object[]{x, y}, geom(g, total))).run(total);
            return;
        }
        int rows = g.n() * g.c() * g.oh();
        cl.kernel(AVGPOOL_FORWARD).args(cat(new Object[]{x, y}, geom(g, rows))).run(rows);
    }

    void avgBackward(Buf dy, PoolGeom g, Buf dx) {
        if (elementwise) {
            int total = dx.shape().size();
            cl.kernel(AVGPOOL_BACKWARD_ELEM).args(cat(new Object[]{dy, dx}, geom(g, total))).run(total);
            return;
        }
        int rows = g.n() * g.c() * g.h();
        cl.kernel(AVGPOOL_BACKWARD).args(cat(new Object[]{dy, dx}, geom(g, rows))).run(rows);
    }
}
