package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Depthwise convolution (opencl/depthwise.cl) where groups = C = K, as MobileNet's 3x3 layers:
 * one launch per pass for all channels, where im2col + GEMM runs a GEMM per group (960 of
 * them in mobilenet_v2's widest layer). Any filter, stride and padding; keeps nothing between
 * forward and backward.
 */
final class ClDepthwise implements ConvAlgorithm {
    private static final KernelRef FORWARD = new KernelRef("depthwise.cl", "depthwise_forward");
    private static final KernelRef FORWARD_ROWS = new KernelRef("depthwise.cl", "depthwise_forward_rows");
    private static final KernelRef FORWARD_PLANES = new KernelRef("depthwise.cl", "depthwise_forward_planes");
    private static final KernelRef BACKWARD_DATA = new KernelRef("depthwise.cl", "depthwise_backward_data");
    private static final KernelRef BACKWARD_DATA_ROWS = new KernelRef("depthwise.cl", "depthwise_backward_data_rows");
    private static final KernelRef BACKWARD_WEIGHT = new KernelRef("depthwise.cl", "depthwise_backward_weight");
    private final ClContext cl;
    /** MovementTuner's verdict: an output per work-item where they run in SIMD lanes, else a row each, 16 outputs at a time. */
    private final boolean elementwise;

    ClDepthwise(ClContext cl, boolean elementwise) {
        this.cl = cl;
        this.elementwise = elementwise;
    }

    @Override
    public boolean applies(ConvGeom g) {
        return g.groups() > 1 && g.groups() == g.c() && g.k() == g.c();
    }

    @Override
    public Shape keptShape(ConvGeom g) {
        return null;
    }

    private Object[] geom(ConvGeom g) {
        return new Object[]{g.n(), g.c(), g.h(), g.w(), g.oh(), g.ow(), g.r(), g.s(), g.stride(), g.pad()};
    }

    private static Object[] cat(Object[] a, Object[] b) {
        Object[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        int flags = ConvAlgorithm.flags(bias, act);
        if (elementwise) {
            cl.kernel(FORWARD).args(cat(new Object[]{x, w, bias != null ? bias : w, flags, y}, geom(g))).run(g.output().size());
        } else {
            rows(x, w, bias != null ? bias : w, flags, 0, y, geom(g));
        }
    }

    /** Columns of a zero-padded plane in depthwise_forward_planes' local copy: the padding, and the loads of a chunk past the row. */
    private static int paddedWidth(int w, int pad) {
        return w + 2 * pad + 32;
    }

    /**
     * The row kernels' sum over geometry {n, c, h, w, oh, ow, r, s, stride, pad}: a plane per work-item from a zero-padded
     * copy in local memory (depthwise_forward_planes) where the stride is 1 or 2 and the copy fits, else a row each.
     */
    private void rows(Buf in, Buf w, Buf bias, int flags, int flip, Buf out, Object[] geom) {
        int n = (int) geom[0], c = (int) geom[1], h = (int) geom[2], wd = (int) geom[3], oh = (int) geom[4], stride = (int) geom[8], pad = (int) geom[9];
        long floats = (long) (h + 2 * pad) * paddedWidth(wd, pad);
        if (stride <= 2 && floats * Float.BYTES <= cl.device().localMemBytes()) {
            cl.kernel(FORWARD_PLANES).args(cat(new Object[]{in, w, bias, flags, flip, out}, cat(geom, new Object[]{paddedWidth(wd, pad),
                    new ClKernel.LocalMemory(floats * Float.BYTES)}))).runLocal(new long[]{1}, (long) n * c);
            return;
        }
        cl.kernel(FORWARD_ROWS).args(cat(new Object[]{in, w, bias, flags, flip, out}, geom)).run((long) n * c * oh);
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        if (dx != null && !elementwise && g.stride() == 1 && g.r() - 1 - g.pad() >= 0 && g.s() - 1 - g.pad() >= 0 && g.r() == g.s()) {
            // stride 1: dy through the turned filters with padding R-1-pad is dx, a row at a time
            Object[] turned = {g.n(), g.c(), g.oh(), g.ow(), g.h(), g.w(), g.r(), g.s(), 1, g.r() - 1 - g.pad()};
            rows(dy, w, w, 0, 1, dx, turned);
        } else if (dx != null && !elementwise && g.stride() == 2) {
            cl.kernel(BACKWARD_DATA_ROWS).args(dy, w, dx, g.n(), g.c(), g.h(), g.w(), g.oh(), g.ow(), g.r(), g.s(), g.pad())
                    .run((long) g.n() * g.c() * g.h());
        } else if (dx != null) {
            cl.kernel(BACKWARD_DATA).args(cat(new Object[]{dy, w, dx}, geom(g))).run(g.input().size());
        }
        if (dw == null) { // frozen (Checks: its bias too)
            return;
        }
        if (!elementwise && g.r() == g.s() && g.r() <= 5) {
            cl.kernel("depthwise.cl", "-DKS=" + g.r(), "depthwise_backward_weight_rows")
                    .args(x, dy, dw, db != null ? db : dw, db != null ? 1 : 0, g.n(), g.c(), g.h(), g.w(), g.oh(), g.ow(), g.stride(), g.pad())
                    .run(g.c());
            return;
        }
        cl.kernel(BACKWARD_WEIGHT).args(cat(new Object[]{x, dy, dw, db != null ? db : dw, db != null ? 1 : 0}, geom(g)))
                .runGroups(cl.reductionWidth(), (long) g.c() * g.r() * g.s() + g.c());
    }
}
