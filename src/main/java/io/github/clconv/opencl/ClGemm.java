package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;

/**
 * Launches opencl/gemm.cl on slices of buffers (offsets and leading dimensions). A * B^T
 * goes to gemm_nt, which walks both operands along K; everything else to gemm. When the
 * output has too few blocks to keep the device busy but K is long (the weight gradient
 * of a convolution: a small matrix summed over every pixel of the batch), K is split
 * into slices computed in parallel and summed in a fixed order.
 */
final class ClGemm {
    /** K per panel, and the size (floats) of op(B) from which K is cut into panels; measured on PoCL (2048^3: 48 -> 173 GFLOP/s). */
    private static final int PANEL = 512;
    private static final long PANEL_OPERAND = 2L << 20;
    private static final int MIN_BLOCKS = 64, MIN_SPLIT_K = 2048, MAX_SPLITS = 32, SLICE = 512;
    private final ClContext cl;
    private final long[] local;
    private final GemmParams params;
    private final Scratch scratch;

    ClGemm(ClContext cl, GemmParams params, Scratch scratch) {
        // On a CPU runtime, one work-item per work-group: PoCL otherwise picks a group size
        // from the divisors of the global size, and a bad pick (a prime count of blocks, say)
        // costs up to 4x. On a GPU the runtime's choice stands.
        this.local = cl.device().gpu() ? null : new long[]{1, 1, 1};
        this.cl = cl;
        this.params = params;
        this.scratch = scratch;
    }

    GemmParams params() {
        return params;
    }

    /** c[offC..] = alpha * op(a) * op(b) + beta * c, with op(a) m x k and op(b) k x n, row-major. */
    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
             float beta, Buf c, int offC, int ldc) {
        // large operands whose rows lie a multiple of 4 KiB apart alias in the cache and run
        // at a third of the speed: the kernel reads a copy with a padded row stride instead
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        if (aliases(lda, aRows)) {
            int ld = ClConv.paddedLd(lda);
            ClBuffer copy = scratch.get("gemm.a", (long) aRows * ld);
            cl.kernel("gemm.cl", "", "copy_rows").args(a, offA, lda, copy, ld, aRows, aCols).run(aRows);
            a = copy;
            offA = 0;
            lda = ld;
        }
        if (aliases(ldb, bRows)) {
            int ld = ClConv.paddedLd(ldb);
            ClBuffer copy = scratch.get("gemm.b", (long) bRows * ld);
            cl.kernel("gemm.cl", "", "copy_rows").args(b, offB, ldb, copy, ld, bRows, bCols).run(bRows);
            b = copy;
            offB = 0;
            ldb = ld;
        }
        boolean nt = tb && !ta;
        long blocks = nt ? ceilDiv(n, params.tc()) * ceilDiv(m, params.tr()) : ceilDiv(n, params.vw()) * ceilDiv(m, params.tm());
        int splits = blocks >= MIN_BLOCKS || k < MIN_SPLIT_K ? 1 : (int) Math.min(MAX_SPLITS, Math.min(k / SLICE, MIN_BLOCKS * 4 / blocks + 1));
        if (splits <= 1 && (long) k * n > PANEL_OPERAND && k > 2 * PANEL) {
            // K panels: each launch's slice of B stays in cache while every block of C passes
            // over it, instead of all of B streaming from memory once per row of blocks
            for (int p0 = 0; p0 < k; p0 += PANEL) {
                int kk = Math.min(PANEL, k - p0);
                launch(ta, tb, m, n, kk, alpha, a, offA + (ta ? p0 * lda : p0), lda, b, offB + (tb ? p0 : p0 * ldb), ldb,
                        p0 == 0 ? beta : 1f, c, offC, ldc);
            }
            return;
        }
        if (splits <= 1) {
            launch(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        int slice = (k + splits - 1) / splits;
        splits = (k + slice - 1) / slice;
        ClBuffer parts = scratch.get("gemm.splits", (long) splits * m * n);
        launch(ta, tb, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f, parts, 0, n, splits, slice);
        cl.kernel("gemm.cl", "", "sum_splits").args(parts, splits, m * n, alpha, beta, c, offC, m, n, ldc).run((long) m * n);
    }

    private static boolean aliases(int ld, int rows) {
        return ld % 1024 == 0 && (long) ld * rows >= (1 << 20);
    }

    private void launch(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
                        float beta, Buf c, int offC, int ldc) {
        launch(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, 1, k);
    }

    /** splits > 1: slice s of K (slice long) writes its partial product m*n floats after the one before. */
    private void launch(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
                        float beta, Buf c, int offC, int ldc, int splits, int slice) {
        int cstride = splits > 1 ? m * n : 0;
        String options = "-DTRANS_A=" + (ta ? 1 : 0) + " -DTRANS_B=" + (tb ? 1 : 0) + " " + params.options();
        if (tb && !ta) {
            cl.kernel("gemm.cl", options, "gemm_nt").args(m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, slice, cstride)
                    .runLocal(local, ceilDiv(m, params.tr()), ceilDiv(n, params.tc()), splits);
        } else {
            // the smaller operand stays in cache while the larger one streams through once
            boolean rowsFirst = (long) m * k < (long) k * n;
            long rowBlocks = ceilDiv(m, params.tm()), colBlocks = ceilDiv(n, params.vw());
            cl.kernel("gemm.cl", options + " -DROWS_FIRST=" + (rowsFirst ? 1 : 0), "gemm")
                    .args(m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, slice, cstride)
                    .runLocal(local, rowsFirst ? rowBlocks : colBlocks, rowsFirst ? colBlocks : rowBlocks, splits);
        }
    }

    /** Dense row-major matrices: leading dimensions follow from the shapes. */
    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        run(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
