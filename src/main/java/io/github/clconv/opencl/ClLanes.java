package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Unpadded stride-1 layers (lenet's 5x5 ones): the forward pass and the input gradient as
 * im2col's (ClConv), the weight gradient direct with 16 filters in a vector's lanes
 * (opencl/direct.cl's direct_dw_lanes on x itself: without padding every tap lies inside the
 * plane, so it needs neither a padded copy nor a column check). im2col's weight gradient is a
 * GEMM whose rows are the few filters and whose inner dimension is every pixel of the batch
 * (lenet's second layer: 50 x 500 x 4096), the shape its kernels run slowest.
 *
 *   forward : as im2col, keeping nothing (the weight gradient reads x, not its im2col matrix)
 *   backward: dx as im2col's;  dyl = dy transposed to [N][OH*OW][16 filters]  (direct_dy_lanes);
 *             dw, db = direct_dw_lanes(x, dyl)
 */
final class ClLanes implements ConvAlgorithm {
    private final ClContext cl;
    private final Scratch scratch;
    private final ClConv im2col;
    private final boolean elementwise;

    ClLanes(ClContext cl, Scratch scratch, ClConv im2col) {
        this.cl = cl;
        this.scratch = scratch;
        this.im2col = im2col;
        this.elementwise = im2col.elementwise();
    }

    /** Square filters of 3x3 to 5x5 (direct_dw_lanes' accumulators fit the registers), stride 1, no padding, one group; 16-wide vectors. */
    @Override
    public boolean applies(ConvGeom g) {
        return !elementwise && g.r() == g.s() && g.r() > 1 && g.r() <= 5 && g.stride() == 1 && g.pad() == 0 && g.groups() == 1;
    }

    @Override
    public Shape keptShape(ConvGeom g) {
        return null;
    }

    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        im2col.forward(x, w, bias, g, act, y, null);
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        if (dx != null) {
            im2col.backward(x, w, dy, g, dx, null, null, null);
        }
        int p = g.oh() * g.ow(), kl = (g.k() + 15) / 16 * 16, tc = ClDirect.lanesChannels(g);
        if (dw == null) {
            if (db != null) {
                ClConv.biasGradient(cl, scratch, false, dy, g.n(), g.k(), p, db);
            }
            return;
        }
        String options = "-DKS=" + g.r() + " -DVW=16 -DTC=" + tc + " -DPADDING=0";
        long[] one = {1, 1};
        ClBuffer dyl = scratch.get("direct.dyl", (long) g.n() * p * kl);
        cl.kernel("direct.cl", options, "direct_dy_lanes").args(dy, dyl, g.k(), p, kl, dyl, 0, 0).runLocal(one, kl / 16, g.n());
        cl.kernel("direct.cl", options, "direct_dw_lanes")
                .args(x, dyl, dw, db != null ? db : dw, db != null ? 1 : 0, g.n(), g.c(), g.k(), g.h(), g.w(), kl, g.oh(), g.ow(), x) // no tap row outside: zrow unread
                .runLocal(one, kl / 16, (g.c() + tc - 1) / tc);
    }
}
