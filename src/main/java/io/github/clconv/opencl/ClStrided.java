package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Direct convolution of stride-2 layers on the device (opencl/strided.cl): square filters up
 * to 7x7, padding up to 3, ungrouped, where work-groups are single work-items (vector devices)
 * and one image's padded planes fit the local memory (1x1 filters without padding read x itself,
 * strided_conv1). The input gradient is strided.cl's
 * strided_dx where one image's dy fits the local memory (im2col's elsewhere); the weight
 * gradient, for filters up to 5x5, direct.cl's direct_dw_lanes built with STRIDE=2 (16 filters
 * in a vector's lanes, each tap of x a broadcast, on x itself), larger filters im2col's.
 * im2col's backward had cost more than the rest of the layer's step: x's column matrix written
 * (1 ms for resnet20's 16-channel layer at batch 64), a GEMM whose inner dimension is every
 * output pixel of the batch, and col2im adding a column matrix back at stride 2.
 */
final class ClStrided implements ConvAlgorithm {
    /** Images that alone give the device's threads enough work-groups. */
    private static final int MIN_IMAGES = 8;
    private static final long[] ONE = {1, 1, 1};
    private final ClContext cl;
    private final Scratch scratch;
    private final ClConv im2col;
    private final boolean elementwise;
    /** Output channels per step of strided_conv (TM) and input channels of strided_dx, whose two column phases double its accumulators. */
    private final int tm;
    private final int dxTm;

    ClStrided(ClContext cl, Scratch scratch, ClConv im2col, boolean elementwise) {
        this(cl, scratch, im2col, elementwise, 8, 8);
    }

    /**
     * Half the accumulators: 4 filters (2 input channels for the input gradient) of 16 outputs per step fit sixteen
     * 8-float registers (AVX2), where the default's 8 (and strided_dx's 2 x 8) vectors of 16 went to the stack.
     */
    static ClStrided narrow(ClContext cl, Scratch scratch, ClConv im2col, boolean elementwise) {
        return new ClStrided(cl, scratch, im2col, elementwise, 4, 2);
    }

    private ClStrided(ClContext cl, Scratch scratch, ClConv im2col, boolean elementwise, int tm, int dxTm) {
        this.tm = tm;
        this.dxTm = dxTm;
        this.cl = cl;
        this.scratch = scratch;
        this.im2col = im2col;
        this.elementwise = elementwise;
    }

    @Override
    public boolean applies(ConvGeom g) {
        return !elementwise && g.stride() == 2 && g.r() == g.s() && g.r() <= 7 && g.pad() <= 3 && g.groups() == 1
                && localFloats(g) * Float.BYTES <= cl.device().localMemBytes();
    }

    /** Rows per padded plane: the padding, and the rows the last pair of output rows' vectors read. */
    private static int paddedRows(ConvGeom g) {
        return Math.max(g.h() + 2 * g.pad(), 2 * g.oh() + g.r() + 1);
    }

    private static long localFloats(ConvGeom g) {
        return (long) g.c() * paddedRows(g) * (g.w() + 2 * g.pad()) + 32;
    }

    @Override
    public Shape keptShape(ConvGeom g) {
        return null;
    }

    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        forward(x, w, bias, g, null, act, y);
    }

    /** The residual block's add (and its ReLU) in the epilogue: a 1x1 stride-2 shortcut adds the main branch as it stores. */
    @Override
    public boolean forwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        forward(x, w, bias, g, residual, act, y);
        return true;
    }

    private void forward(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        // a work-group copies its image once for all its filters: one per image where the batch fills the device
        // (the copy costs about a third of a block of tm filters' sums), else the filters shared out
        int blocks = (g.k() + tm - 1) / tm, groups = g.n() >= MIN_IMAGES ? 1 : Math.min(blocks, MIN_IMAGES / g.n()), kper = (blocks + groups - 1) / groups;
        int flags = ConvAlgorithm.flags(bias, act) | (residual != null ? ConvAlgorithm.EPI_RESIDUAL : 0);
        if (g.r() == 1 && g.pad() == 0) { // a 1x1 shortcut reads x itself: nothing for a copy to share among taps
            cl.kernel("strided.cl", "-DKS=1 -DTM=" + tm + " -DPAIRS=" + (g.ow() <= 8 ? 1 : 0), "strided_conv1")
                    .args(x, w, bias, flags, residual != null ? residual : y, y, g.c(), g.k(), g.h(), g.w(), g.oh(), g.ow(), kper)
                    .runLocal(ONE, 1, (blocks + kper - 1) / kper, g.n());
            return;
        }
        cl.kernel("strided.cl", "-DKS=" + g.r() + " -DTM=" + tm + " -DPAIRS=" + (g.ow() <= 8 ? 1 : 0), "strided_conv")
                .args(x, w, bias, ConvAlgorithm.flags(bias, act) | (residual != null ? ConvAlgorithm.EPI_RESIDUAL : 0), residual != null ? residual : y, y, g.c(), g.k(), g.h(), g.w(), g.oh(), g.ow(), g.pad(), paddedRows(g), kper,
                        new ClKernel.LocalMemory(localFloats(g) * Float.BYTES))
                .runLocal(ONE, 1, (blocks + kper - 1) / kper, g.n());
    }

    /** strided_dx's local memory: the image's dy planes with BORDER zero rows and columns around each, a row and 16 columns more. */
    private static long dxLocalFloats(ConvGeom g) {
        int border = (g.r() + 1) / 2;
        return (long) g.k() * (g.oh() + 2 * border + 1) * (g.ow() + 2 * border + 16);
    }

    private void inputGradient(Buf w, Buf dy, ConvGeom g, Buf dx) {
        int tm = Math.min(dxTm, Integer.highestOneBit(g.c())), blocks = (g.c() + tm - 1) / tm;
        int groups = g.n() >= MIN_IMAGES ? 1 : Math.min(blocks, MIN_IMAGES / g.n()), cper = (blocks + groups - 1) / groups;
        cl.kernel("strided.cl", "-DKS=" + g.r() + " -DTM=" + tm + " -DPADDING=" + g.pad() + " -DPAIRS=" + (g.w() <= 16 ? 1 : 0), "strided_dx")
                .args(dy, w, dx, g.k(), g.c(), g.h(), g.w(), g.oh(), g.ow(), cper, new ClKernel.LocalMemory(dxLocalFloats(g) * Float.BYTES))
                .runLocal(ONE, 1, (blocks + cper - 1) / cper, g.n());
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        boolean direct = dx != null && dxLocalFloats(g) * Float.BYTES <= cl.device().localMemBytes();
        if (direct) {
            inputGradient(w, dy, g, dx);
        }
        if (dw == null || g.r() > 5) {
            if (!direct || dw != null || db != null) {
                im2col.backward(x, w, dy, g, direct ? null : dx, dw, db, null);
            }
            return;
        }
        if (dx != null && !direct) {
            im2col.backward(x, w, dy, g, dx, null, null, null);
        }
        // the narrow form's weight gradient 8 filters in the lanes (1x1: 8 input channels, 3x3: 1 per work-item), as direct-narrow's
        int dwl = tm < 8 && g.r() <= 3 ? 8 : 16, tc = dwl == 8 ? (g.r() == 1 ? 8 : 1) : ClDirect.lanesChannels(g);
        int p = g.oh() * g.ow(), kl = (g.k() + 15) / 16 * 16;
        String options = "-DKS=" + g.r() + " -DVW=16 -DTC=" + tc + " -DPADDING=" + g.pad() + " -DSTRIDE=2" + (dwl == 8 ? " -DDWL=8" : "");
        long[] one = {1, 1};
        ClBuffer dyl = scratch.get("direct.dyl", (long) g.n() * p * kl);
        ClBuffer zrow = scratch.zeros("direct.zrow", g.w() + 2L * g.pad());
        cl.kernel("direct.cl", options, "direct_dy_lanes").args(dy, dyl, g.k(), p, kl, dyl, 0, 0).runLocal(one, kl / 16, g.n());
        cl.kernel("direct.cl", options, "direct_dw_lanes")
                .args(x, dyl, dw, db != null ? db : dw, db != null ? 1 : 0, g.n(), g.c(), g.k(), g.h(), g.w(), kl, g.oh(), g.ow(), zrow)
                .runLocal(one, kl / dwl, (g.c() + tc - 1) / tc);
    }
}
