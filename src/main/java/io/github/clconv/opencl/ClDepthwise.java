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
    private static final KernelRef BACKWARD_DATA = new KernelRef("depthwise.cl", "depthwise_backward_data");
    private static final KernelRef BACKWARD_WEIGHT = new KernelRef("depthwise.cl", "depthwise_backward_weight");
    private final ClContext cl;

    ClDepthwise(ClContext cl) {
        this.cl = cl;
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
        cl.kernel(FORWARD).args(cat(new Object[]{x, w, bias != null ? bias : w, ConvAlgorithm.flags(bias, act), y}, geom(g))).run(g.output().size());
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        if (dx != null) {
            cl.kernel(BACKWARD_DATA).args(cat(new Object[]{dy, w, dx}, geom(g))).run(g.input().size());
        }
        if (dw == null) { // frozen (Checks: its bias too)
            return;
        }
        cl.kernel(BACKWARD_WEIGHT).args(cat(new Object[]{x, dy, dw, db != null ? db : dw, db != null ? 1 : 0}, geom(g)))
                .runGroups(cl.reductionWidth(), (long) g.c() * g.r() * g.s() + g.c());
    }
}
