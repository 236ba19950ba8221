package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;

/**
 * Winograd F(2x2, 3x3) convolutions on the device (opencl/winograd.cl): the forward pass and
 * the input gradient of 3x3, stride-1, ungrouped convolutions with padding up to 2. The batch
 * goes in chunks of images whose transformed tiles fit the column budget; the 16 products
 * per chunk are GEMMs of the tuned family. The weight gradient stays im2col + GEMM.
 */
final class ClWinograd {
    private final ClContext cl;
    private final ClGemm gemm;
    private final Scratch scratch;
    private final long budgetFloats;
    /** MovementTuner's choice for the convolution's data movement: the transforms follow it (an element, or a tile row, per work-item). */
    private final boolean elementwise;

    ClWinograd(ClContext cl, ClGemm gemm, Scratch scratch, long budgetBytes, boolean elementwise) {
        this.cl = cl;
        this.gemm = gemm;
        this.scratch = scratch;
        this.budgetFloats = budgetBytes / 4;
        this.elementwise = elementwise;
    }

    static boolean applies(ConvGeom g) {
        return g.r() == 3 && g.s() == 3 && g.stride() == 1 && g.groups() == 1 && g.pad() <= 2;
    }

    /** y = conv(x, w) + bias for g (3x3, stride 1). */
    void forward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y) {
        run(x, w, false, bias, g.n(), g.c(), g.h(), g.w(), g.k(), g.pad(), y);
    }

    /** dx = the input gradient of g's convolution for dy: a convolution of dy with the flipped, transposed filters. */
    void backwardData(Buf w, Buf dy, ConvGeom g, Buf dx) {
        run(dy, w, true, null, g.n(), g.k(), g.oh(), g.ow(), g.c(), 2 - g.pad(), dx);
    }

    /** out [N][KO][OH][OW] = the 3x3 stride-1 convolution of in [N][CI][H][W] padded by pad; flip: w is [CI][KO][3][3] to turn. */
    private void run(Buf in, Buf w, boolean flip, Buf bias, int n, int ci, int h, int wd, int ko, int pad, Buf out) {
        int oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2, th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = th * tw;
        long perImage = 16L * Math.max(ci, ko) * tiles;
        int step = (int) Math.max(1, Math.min(n, budgetFloats / perImage));
        int ldMax = ClConv.paddedLd(step * tiles);
        ClBuffer u = scratch.get("winograd.u", 16L * ko * ci);
        ClBuffer v = scratch.get("winograd.v", 16L * ClConv.paddedLd(ci * ldMax));
        ClBuffer m = scratch.get("winograd.m", 16L * ClConv.paddedLd(ko * ldMax));
        cl.kernel("winograd.cl", "", "winograd_filter").args(w, u, ko, ci, flip ? 1 : 0).run((long) ko * ci);
        for (int n0 = 0; n0 < n; n0 += step) {
            int nb = Math.min(step, n - n0), t = nb * tiles, ld = ClConv.paddedLd(t), psV = ClConv.paddedLd(ci * ld), psM = ClConv.paddedLd(ko * ld);
            if (elementwise) {
                cl.kernel("winograd.cl", "", "winograd_input").args(in, v, ci, h, wd, pad, th, tw, n0, t, ld, psV).run((long) ci * t);
            } else {
                cl.kernel("winograd.cl", "", "winograd_input_rows").args(in, v, ci, h, wd, pad, th, tw, n0, t, ld, psV).run((long) nb * th, ci);
            }
            for (int xi = 0; xi < 16; xi++) {
                gemm.run(false, false, ko, t, ci, 1f, u, xi * ko * ci, ci, v, xi * psV, ld, 0f, m, xi * psM, ld);
            }
            if (elementwise) {
                cl.kernel("winograd.cl", "", "winograd_output").args(m, bias, bias != null ? 1 : 0, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .run((long) ko * t);
            } else {
                cl.kernel("winograd.cl", "", "winograd_output_rows").args(m, bias, bias != null ? 1 : 0, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .run((long) nb * th, ko);
            }
        }
    }
}
