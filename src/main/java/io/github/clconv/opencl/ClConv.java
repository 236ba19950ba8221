package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Convolution as im2col + GEMM on the device (opencl/im2col.cl,
 * opencl/gemm.cl, opencl/tensor.cl); 1x1 stride-1 convolutions go to ClConv1x1. The batch is processed in chunks of images whose
 * im2col matrix fits the column budget, so large inputs never need one huge buffer.
 *
 *   forward : col = im2col(x[chunk]);  Y = W[K, CRS] * col;  y[chunk] = Y + bias
 *   (with groups, one GEMM per group on its slices of W's, col's and Y's rows)
 *   backward: dY = dy[chunk] as [K, nb*P];  dW += dY * col^T;  col = W^T * dY;  dx[chunk] = col2im(col)
 * A training pass whose batch is one chunk keeps the forward's col in a buffer of its
 * layer (Backend.convKept), so backward does not recompute it.
 */
final class ClConv implements ConvAlgorithm {
    private static final KernelRef IM2COL_ELEM = new KernelRef("im2col.cl", "im2col_elem");
    private static final KernelRef IM2COL = new KernelRef("im2col.cl", "im2col");
    /**
     * Below this many images im2col's rows run a work-item per group: the runtime groups (and
     * vectorises) work-items along dimension 0, the images, which at batch 1 is one work-item
     * wide (resnet18's stem at batch 1 on PoCL 3.1: 1.86 -> 0.83 ms; no change at batch 16).
     */
    private static final int FEW_IMAGES = 8;
    private static final long[] ONE = {1, 1};
    private static final KernelRef COL2IM_ELEM = new KernelRef("im2col.cl", "col2im_elem");
    private static final KernelRef COL2IM = new KernelRef("im2col.cl", "col2im");
    /**
     * col2im takes a work-item per plane for short output rows (under SHORT_ROW values) where there are
     * PLANES_PER_UNIT planes per compute unit: a row per work-item adds its R*S taps into the same few
     * vectors one after another, each add waiting for the last, where a plane's adds go to different rows
     * and overlap. On PoCL 3.1 (Zen 5): lenet's second layer 1.15-1.5 -> 0.53 ms, resnet20's stride-2
     * layers 0.92-1.07 -> 0.57-0.71 and 0.68 -> 0.34, lenet's first 0.20-0.22 -> 0.13; 56-wide rows were
     * slower (0.5 -> 0.66 ms), and a plane per work-item would leave compute units idle where planes are few
     * (resnet18's stem at batch 1: 3). im2col takes a work-item per plane on the same terms (im2col_planes):
     * a work-item per (row, image) wrote 64 values on lenet's second layer, too few for its set-up. Both
     * are built with the layer's sizes (fixed): lenet's second layer forward 1.8-2.6 -> 1.3-1.4 ms and
     * forward + backward 4.9-5.4 -> 3.6-3.7 ms, lenet's training 6,700-6,950 -> 7,500-8,000 images/s
     * (alternating in one process, Zen 5); resnet18's stem (112-wide rows, 48 planes) was slower by plane.
     */
    private static final int SHORT_ROW = 32;
    private static final int PLANES_PER_UNIT = 8;
    private static final KernelRef COLS_TO_NCHW_ELEM = new KernelRef("im2col.cl", "cols_to_nchw_elem");
    private static final KernelRef COLS_TO_NCHW = new KernelRef("im2col.cl", "cols_to_nchw");
    private static final KernelRef ROW_SUMS = new KernelRef("tensor.cl", "row_sums");
    private static final KernelRef NCHW_TO_COLS_ELEM = new KernelRef("im2col.cl", "nchw_to_cols_elem");
    private static final KernelRef NCHW_TO_COLS = new KernelRef("im2col.cl", "nchw_to_cols");
    private static final KernelRef SUM_COLUMNS = new KernelRef("tensor.cl", "sum_columns");
    private static final KernelRef CHANNEL_SUMS_ROWS = new KernelRef("tensor.cl", "channel_sums_rows");
    private final ClContext cl;
    private final ClGemm gemm;
    private final Scratch scratch;
    private final long colBudgetFloats;

    /** elementwise: im2col.cl's *_elem kernels (an element per work-item) instead of a row per work-item (MovementTuner). */
    private final boolean elementwise;

    ClConv(ClContext cl, ClGemm gemm, Scratch scratch, long colBudgetBytes, boolean elementwise) {
        this.cl = cl;
        this.gemm = gemm;
        this.scratch = scratch;
        this.colBudgetFloats = colBudgetBytes / 4;
        this.elementwise = elementwise;
    }

    boolean elementwise() {
        return elementwise;
    }

    /** Row stride of a matrix with n columns: off multiples of 1024 floats (4 KiB), whose rows alias in the cache. */
    static int paddedLd(int n) {
        return n % 1024 == 0 ? n + 16 : n;
    }

    void im2col(Buf x, ConvGeom g, Buf col, int n0, int nb) {
        im2col(x, g, col, (long) nb * g.oh() * g.ow(), n0, nb);
    }

    private void im2col(Buf x, ConvGeom g, Buf col, long ld, int n0, int nb) {
        if (byPlanes(g, nb)) {
            cl.kernel("im2col.cl", fixed(g), "im2col_planes")
                    .args(x, col, (int) ld, g.c(), g.h(), g.w(), g.r(), g.s(), g.stride(), g.pad(), g.oh(), g.ow(), n0, nb)
                    .run((long) nb * g.c());
            return;
        }
        cl.kernel(elementwise ? IM2COL_ELEM : IM2COL)
                .args(x, col, (int) ld, g.c(), g.h(), g.w(), g.r(), g.s(), g.stride(), g.pad(), g.oh(), g.ow(), n0, nb)
                .runLocal(elementwise || nb >= FEW_IMAGES ? null : ONE, elementwise ? (long) nb * g.oh() * g.ow() : nb, g.colRows());
    }

    void col2im(Buf col, ConvGeom g, Buf x, int n0, int nb) {
        col2im(col, g, x, (long) nb * g.oh() * g.ow(), n0, nb);
    }

    private void col2im(Buf col, ConvGeom g, Buf x, long ld, int n0, int nb) {
        if (byPlanes(g, nb)) {
            cl.kernel("im2col.cl", fixed(g), "col2im_planes")
                    .args(col, (int) ld, x, g.c(), g.h(), g.w(), g.r(), g.s(), g.stride(), g.pad(), g.oh(), g.ow(), n0, nb)
                    .run((long) nb * g.c());
            return;
        }
        cl.kernel(elementwise ? COL2IM_ELEM : COL2IM)
                .args(col, (int) ld, x, g.c(), g.h(), g.w(), g.r(), g.s(), g.stride(), g.pad(), g.oh(), g.ow(), n0, nb)
                .run((long) nb * g.c() * g.h() * (elementwise ? g.w() : 1));
    }

    /** Short output rows and planes enough to share out: a work-item per plane (SHORT_ROW). */
    private boolean byPlanes(ConvGeom g, int nb) {
        return !elementwise && g.ow() < SHORT_ROW && (long) nb * g.c() >= (long) PLANES_PER_UNIT * cl.device().computeUnits();
    }

    /** The build options that fix the planes kernels' sizes (im2col.cl's FIX_GEOMETRY). */
    private static String fixed(ConvGeom g) {
        return "-DG_H=" + g.h() + " -DG_W=" + g.w() + " -DG_R=" + g.r() + " -DG_S=" + g.s() + " -DG_ST=" + g.stride() + " -DG_PAD=" + g.pad()
                + " -DG_OH=" + g.oh() + " -DG_OW=" + g.ow();
    }

    /** Images per chunk: as many as keep C*R*S x nb*OH*OW within the budget, at least one. */
    private int chunk(ConvGeom g) {
        long perImage = (long) g.colRows() * g.oh() * g.ow();
        return (int) Math.max(1, Math.min(g.n(), colBudgetFloats / perImage));
    }

    /**
     * [C*R*S, ld] when the whole batch's im2col fits the column budget (one chunk): a training
     * forward pass then leaves it for the backward pass, which skips recomputing it.
     */
    @Override
    public boolean applies(ConvGeom g) {
        return true; // every geometry: the reference the others are checked against
    }

    @Override
    public Shape keptShape(ConvGeom g) {
        int p = g.oh() * g.ow();
        return chunk(g) < g.n() ? null : Shape.of(g.colRows(), paddedLd(g.n() * p));
    }

    void forward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y) {
        forward(x, w, bias, g, null, y, null);
    }

    /** kept, when given (of keptShape(g)), receives the im2col matrix in place of the scratch. */
    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        int flags = ConvAlgorithm.flags(bias, act), p = g.oh() * g.ow(), crs = g.colRows(), step = chunk(g), ld = paddedLd(step * p), kg = g.kg(), crsg = crs / g.groups();
        ClBuffer col = kept != null ? kept : scratch.get("conv.col", (long) crs * ld);
        ClBuffer out = scratch.get("conv.out", (long) g.k() * ld);
        gemm.withWeights(w, () -> {
            for (int n0 = 0; n0 < g.n(); n0 += step) {
                int nb = Math.min(step, g.n() - n0);
                im2col(x, g, col, ld, n0, nb);
                for (int q = 0; q < g.groups(); q++) { // group q: its slice of W's rows, col's rows and out's rows
                    gemm.run(false, false, kg, nb * p, crsg, 1f, w, q * kg * crsg, crsg, col, q * crsg * ld, ld, 0f, out, q * kg * ld, ld);
                }
                if (elementwise) {
                    cl.kernel(COLS_TO_NCHW_ELEM).args(out, ld, bias, flags, y, g.k(), p, n0, nb).run((long) nb * g.k() * p);
                } else {
                    cl.kernel(COLS_TO_NCHW).args(out, ld, bias, flags, y, g.k(), p, n0, nb).run((long) nb * g.k());
                }
            }
        });
    }

    void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db) {
        backward(x, w, dy, g, dx, dw, db, null);
    }

    /** kept: x's im2col from forward (one chunk), read and left unchanged. */
    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        int p = g.oh() * g.ow(), crs = g.colRows(), step = chunk(g), ld = paddedLd(step * p), kg = g.kg(), crsg = crs / g.groups();
        ClBuffer dxCols = scratch.get("conv.col", (long) crs * ld);
        ClBuffer col = kept != null ? kept : dxCols;
        ClBuffer dyCols = scratch.get("conv.out", (long) g.k() * ld);
        ClBuffer rowSums = scratch.get("conv.rowsums", (long) g.n() * g.k());
        if (elementwise && db != null) {
            cl.kernel(ROW_SUMS).args(dy, rowSums, p, g.n() * g.k()).runGroups(cl.reductionWidth(), (long) g.n() * g.k());
        }
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0);
            if (elementwise) {
                cl.kernel(NCHW_TO_COLS_ELEM).args(dy, dyCols, ld, g.k(), p, n0, nb).run((long) nb * g.k() * p);
            } else {
                cl.kernel(NCHW_TO_COLS).args(dy, dyCols, ld, rowSums, g.k(), p, n0, nb).run((long) nb * g.k());
            }
            if (kept == null && dw != null) {
                im2col(x, g, col, ld, n0, nb);
            }
            for (int q = 0; dw != null && q < g.groups(); q++) { // dw null: the input gradient alone (ConvTuner's timing)
                gemm.run(false, true, kg, crsg, nb * p, 1f, dyCols, q * kg * ld, ld, col, q * crsg * ld, ld, n0 == 0 ? 0f : 1f,
                        dw, q * kg * crsg, crsg);
            }
            if (dx != null) { // the queue is in order: without kept, col is overwritten only after dW has read it
                for (int q = 0; q < g.groups(); q++) {
                    gemm.run(true, false, crsg, nb * p, kg, 1f, w, q * kg * crsg, crsg, dyCols, q * kg * ld, ld, 0f,
                            dxCols, q * crsg * ld, ld);
                }
                col2im(dxCols, g, dx, ld, n0, nb);
            }
        }
        if (db != null) {
            cl.kernel(SUM_COLUMNS).args(rowSums, db, g.n(), g.k()).run(g.k());
        }
    }

    /** db = dy summed per filter over images and pixels, for algorithms whose weight gradient does not sum it. */
    void biasGradient(Buf dy, ConvGeom g, Buf db) {
        biasGradient(cl, scratch, elementwise, dy, g.n(), g.k(), g.oh() * g.ow(), db);
    }

    /** db[k] = the sum of dy [n][k][p] over n and p, by the kernels of the device's movement layout. */
    static void biasGradient(ClContext cl, Scratch scratch, boolean elementwise, Buf dy, int n, int k, int p, Buf db) {
        if (!elementwise) {
            cl.kernel(CHANNEL_SUMS_ROWS).args(dy, db, n, k, p).runGroups(cl.reductionWidth(), k);
            return;
        }
        ClBuffer rowSums = scratch.get("conv.rowsums", (long) n * k);
        cl.kernel(ROW_SUMS).args(dy, rowSums, p, n * k).runGroups(cl.reductionWidth(), (long) n * k);
        cl.kernel(SUM_COLUMNS).args(rowSums, db, n, k).run(k);
    }
}
