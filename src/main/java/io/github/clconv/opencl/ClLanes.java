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
 *   forward : as im2col, keeping nothing (the weight gradient reads x, not its im2col matrix);
 *             or ("valid", directForward) direct_conv_lanes(x, w repacked by direct_w_lanes):
 *             16 filters in a vector's lanes, each x value a broadcast, no im2col matrix
 *   backward: dx as im2col's, or ("valid") direct_dx_blocks(dy, w): w^T * dy and col2im in one pass, no column matrix;
 *             dyl = dy transposed to [N][OH*OW][16 filters]  (direct_dy_lanes);
 *             dw, db = direct_dw_lanes(x, dyl)
 */
final class ClLanes implements ConvAlgorithm {
    private final ClContext cl;
    private final Scratch scratch;
    private final ClConv im2col;
    private final boolean elementwise;
    private final boolean directForward;
    /** Pixels of a row per step of direct_conv_lanes (its accumulators: TG * PX vectors). */
    private static final int PX = 8;

    ClLanes(ClContext cl, Scratch scratch, ClConv im2col, boolean directForward) {
        this.cl = cl;
        this.scratch = scratch;
        this.im2col = im2col;
        this.elementwise = im2col.elementwise();
        this.directForward = directForward;
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
        if (!directForward) {
            im2col.forward(x, w, bias, g, act, y, null);
            return;
        }
        int tg = g.k() > 16 ? 2 : 1, groups = (g.k() + 16 * tg - 1) / (16 * tg) * tg, kk = g.r() * g.s();
        long wlFloats = (long) groups * g.c() * kk * 16;
        ClBuffer wl = scratch.get("lanes.w", wlFloats);
        String options = "-DKS=" + g.r() + " -DVW=16 -DTG=" + tg + " -DPX=" + Math.min(PX, g.ow());
        cl.kernel("direct.cl", options, "direct_w_lanes").args(w, wl, g.c(), g.k(), (int) wlFloats).run(wlFloats);
        cl.kernel("direct.cl", options, "direct_conv_lanes")
                .args(x, wl, bias, ConvAlgorithm.flags(bias, act), y, g.c(), g.k(), g.h(), g.w(), g.oh(), g.ow())
                .runLocal(new long[]{1, 1, 1}, 1, groups / tg, g.n());
    }

    /** Pixels per tile of direct_dx_blocks (its DXT vectors of 16). */
    private static final int DX_TILE = 4 * 16;
    /** Rows per block of direct_dx_blocks (DXR). */
    private static final int DX_ROWS = 4;

    /**
     * dx by direct_dx_blocks (col = w^T * dy and col2im in one pass, no column matrix), where dy's planes and the
     * channels' dx planes fit local memory; false (nothing done) elsewhere. Channels are split among work-items where
     * images are too few to give every compute unit several.
     */
    private boolean inputGradientDirect(Buf dy, Buf w, ConvGeom g, Buf dx) {
        int pv = (g.oh() * g.ow() + DX_TILE - 1) / DX_TILE * DX_TILE, hw = g.h() * g.w();
        int parts = (int) Math.min(g.c(), Math.max(1, (4L * cl.device().computeUnits() + g.n() - 1) / g.n()));
        int cg = (g.c() + parts - 1) / parts;
        long floats = (long) g.k() * pv + (long) cg * hw + DX_ROWS * DX_TILE;
        if (floats * Float.BYTES > cl.device().localMemBytes()) {
            return false;
        }
        String rows8 = g.ow() % 8 == 0 ? " -DDX_OW8=" + g.ow() : ""; // whole half-vectors per run: added from the registers
        cl.kernel("direct.cl", "-DKS=" + g.r() + " -DVW=16" + rows8, "direct_dx_blocks")
                .args(dy, w, dx, g.c(), g.k(), g.h(), g.w(), g.oh(), g.ow(), cg, pv, new ClKernel.LocalMemory(floats * Float.BYTES))
                .runLocal(new long[]{1, 1}, (g.c() + cg - 1) / cg, g.n());
        return true;
    }

    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        if (dx != null) {
            if (!directForward || !inputGradientDirect(dy, w, g, dx)) {
                im2col.backward(x, w, dy, g, dx, null, null, null);
            }
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
