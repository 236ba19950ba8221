package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastTranspose;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Launches the GEMM variant that the device's {@link GemmPlan} names for a product's shape
 * class, on slices of buffers (offsets and leading dimensions). For opencl/gemm.cl's
 * kernels: when the output has too few blocks to keep the device busy but K is long (the
 * weight gradient of a convolution: a small matrix summed over every pixel of the batch),
 * K is split into slices computed in parallel and summed in a fixed order.
 */
final class ClGemm {
    private static final KernelRef COPY_ROWS = new KernelRef("gemm.cl", "copy_rows");
    private static final KernelRef SUM_SPLITS = new KernelRef("gemm.cl", "sum_splits");
    /** K per panel, and the size (floats) of op(B) from which K is cut into panels; measured on PoCL (2048^3: 48 -> 173 GFLOP/s). */
    private static final int PANEL = 512;
    private static final long PANEL_OPERAND = 2L << 20;
    private static final int MIN_SPLIT_K = 2048, MAX_SPLITS = 32, SLICE = 512;
    /** K values per work-item of the pack kernels (gemm.cl's PACK_K), and B's panels per work-item where B is stored K x N (PACK_PANELS). */
    private static final int PACK_K = 256, PACK_PANELS = 8;
    private static final long[] ONE = {1, 1, 1};
    private final ClContext cl;
    private final GemmPlan plan;
    private final Scratch scratch;
    /**
     * Below how many independent pieces of C K is split: for the one-work-item-per-group
     * kernels, blocks (work-items) to fill every compute unit several times; for the tiled
     * kernel, work-groups, of which each compute unit should get a few (a weight gradient
     * whose C is one tile would otherwise run on one compute unit: 94 ms against 12 ms for
     * lenet's conv1 dW on llvmpipe's 8).
     */
    private final long minBlocks, minGroups;
    /** The A operand whose packed copy may be kept (withWeights), or null; stable: unwritten since its last forward. */
    private ClBuffer weights;
    private boolean stable;
    private final Map<ClBuffer, Long> lastWrites = new WeakHashMap<>();

    ClGemm(ClContext cl, GemmPlan plan, Scratch scratch) {
        this.cl = cl;
        this.plan = plan;
        this.scratch = scratch;
        this.minBlocks = Math.max(64, 8L * cl.device().computeUnits());
        this.minGroups = 4L * cl.device().computeUnits();
    }

    GemmPlan plan() {
        return plan;
    }

    /**
     * Runs products whose A operand, where it is w, may be kept packed between calls (PackCache): a layer's
     * forward pass, whose weights change only when something writes them.
     */
    void withWeights(Buf w, Runnable products) {
        weights = (ClBuffer) w;
        // unwritten since the previous forward that used them (inference): nn.kept's variant; a training step writes them
        // between forwards, and its products keep their own class (lenet's small ones ran faster unpacked)
        Long before = lastWrites.put(weights, weights.writes());
        stable = before != null && before == weights.writes();
        try {
            products.run();
        } finally {
            weights = null;
        }
    }

    /** c[offC..] = alpha * op(a) * op(b) + beta * c, with op(a) m x k and op(b) k x n, row-major. */
    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
             float beta, Buf c, int offC, int ldc) {
        run(variant(ta, tb, m, n, k, a), ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
    }

    /** The plan's variant for the shape; nn.kept's for a small A * B whose A is the stable weights withWeights named. */
    private GemmVariant variant(boolean ta, boolean tb, int m, int n, int k, Buf a) {
        return a == weights && stable && !ta && !tb ? plan.keptVariant(m, n, k) : plan.variant(ta, tb, m, n, k);
    }

    /**
     * c = act(a * b^T + bias), a linear layer's forward (a [m][k], b [n][k], bias [n]), with the bias and flags'
     * activation (epilogue.h) added as gemm_nt stores, where the plan's variant for the shape is gemm_nt and K is
     * not split: true. False, nothing done, elsewhere (the caller adds the bias in a pass of its own).
     */
    boolean linearWithBias(int m, int n, int k, Buf a, Buf b, Buf bias, int flags, Buf c) {
        GemmVariant v = variant(false, true, m, n, k, a);
        if (v.kind() != GemmVariant.Kind.NT || (blocks(v, m, n) < enough(v) && k >= MIN_SPLIT_K)) {
            return false;
        }
        launchGroups(cl.kernel("gemm.cl", "-DTRANS_A=0 -DTRANS_B=1 -DEPI=1 " + v.options(), "gemm_nt")
                .args(m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n, 0, 0, 0, 0, bias, flags), v, ceilDiv(m, v.get("TR")), ceilDiv(n, v.get("TC")), 1);
        return true;
    }

    /**
     * c_z = act(a * b_z + bias + res_z) for count products sharing a: a 1x1 convolution's forward, a the weights [m][k],
     * b_z image z's planes [k][n] (sb floats apart), c_z its output and res_z a residual laid out as c_z (sc floats
     * apart), bias [m] per row (null: none; res null: none), with flags' activation (epilogue.h): added as the blocked or
     * packed kernel stores, where the plan runs the shape as one launch of either with K whole: true. False, nothing
     * done, elsewhere (CLBlast, gemm_nt, split K, K panels, copies of aliasing operands): the caller adds them in a pass
     * of its own.
     */
    boolean runBatchWithRowEpilogue(int count, int m, int n, int k, Buf a, Buf b, int sb, Buf c, int sc, Buf bias, int flags, Buf res) {
        GemmVariant v = variant(false, false, m, n, k, a);
        boolean packed = v.kind() == GemmVariant.Kind.PACKED;
        if (!packed && v.kind() != GemmVariant.Kind.BLOCKED) {
            return false;
        }
        if (blocks(v, m, n) * count < enough(v) && k >= MIN_SPLIT_K) { // run() splits K, or runBatch runs the products alone
            return false;
        }
        if (!packed && (aliases(k, m) || aliases(n, k) || ((long) k * n > PANEL_OPERAND && k > 2 * PANEL))) {
            return false;
        }
        Object[] epilogue = {bias, flags, res != null ? res : c};
        if (packed) {
            packed(v, false, false, m, n, k, 1f, a, 0, k, 0, b, 0, n, sb, 0f, c, 0, n, sc, count, 1, epilogue);
        } else {
            launch(v, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n, count, 0, 0, sb, sc, epilogue);
        }
        return true;
    }

    private static Object[] withEpilogue(Object[] args, Object[] epilogue) {
        if (epilogue == null) {
            return args;
        }
        Object[] all = java.util.Arrays.copyOf(args, args.length + epilogue.length);
        System.arraycopy(epilogue, 0, all, args.length, epilogue.length);
        return all;
    }

    /** The same with a given variant (the tuner's candidates). */
    void run(GemmVariant v, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB,
             int ldb, float beta, Buf c, int offC, int ldc) {
        if (v.kind() == GemmVariant.Kind.CLBLAST) {
            clblast(ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc);
            return;
        }
        if (v.kind() == GemmVariant.Kind.PACKED) {
            long blocks = blocks(v, m, n);
            int splits = blocks >= minBlocks || k < MIN_SPLIT_K ? 1 : (int) Math.min(MAX_SPLITS, Math.min(k / SLICE, minBlocks * 4 / blocks + 1));
            packed(v, ta, tb, m, n, k, alpha, a, offA, lda, 0, b, offB, ldb, 0, beta, c, offC, ldc, 0, 1, splits);
            return;
        }
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        if (v.kind() == GemmVariant.Kind.BLOCKED) {
            // large operands whose rows lie a multiple of 4 KiB apart alias in the cache and run
            // at a third of the speed: the kernel reads a copy with a padded row stride instead
            if (aliases(lda, aRows)) {
                int ld = ClConv.paddedLd(lda);
                ClBuffer copy = scratch.get("gemm.a", (long) aRows * ld);
                cl.kernel(COPY_ROWS).args(a, offA, lda, copy, ld, aRows, aCols).run(aRows);
                a = copy;
                offA = 0;
                lda = ld;
            }
            if (aliases(ldb, bRows)) {
                int ld = ClConv.paddedLd(ldb);
                ClBuffer copy = scratch.get("gemm.b", (long) bRows * ld);
                cl.kernel(COPY_ROWS).args(b, offB, ldb, copy, ld, bRows, bCols).run(bRows);
                b = copy;
                offB = 0;
                ldb = ld;
            }
        }
        long blocks = blocks(v, m, n), enough = enough(v);
        int splits = blocks >= enough || k < MIN_SPLIT_K ? 1 : (int) Math.min(MAX_SPLITS, Math.min(k / SLICE, enough * 4 / blocks + 1));
        if (v.kind() == GemmVariant.Kind.BLOCKED && splits <= 1 && (long) k * n > PANEL_OPERAND && k > 2 * PANEL) {
            // K panels: each launch's slice of B stays in cache while every block of C passes
            // over it, instead of all of B streaming from memory once per row of blocks
            for (int p0 = 0; p0 < k; p0 += PANEL) {
                int kk = Math.min(PANEL, k - p0);
                launch(v, ta, tb, m, n, kk, alpha, a, offA + (ta ? p0 * lda : p0), lda, b, offB + (tb ? p0 : p0 * ldb), ldb,
                        p0 == 0 ? beta : 1f, c, offC, ldc, 1, 0, 0, 0, 0);
            }
            return;
        }
        if (splits <= 1) {
            launch(v, ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, 1, 0, 0, 0, 0);
            return;
        }
        int slice = (k + splits - 1) / splits;
        splits = (k + slice - 1) / slice;
        ClBuffer parts = scratch.get("gemm.splits", (long) splits * m * n);
        launch(v, ta, tb, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f, parts, 0, n, splits, slice, ta ? slice * lda : slice, tb ? slice : slice * ldb,
                m * n);
        cl.kernel(SUM_SPLITS).args(parts, splits, m * n, alpha, beta, c, offC, m, n, ldc).run((long) m * n);
    }

    /**
     * count products c_z = alpha * op(a_z) * op(b_z) + beta * c_z of one shape, operand z lying sa, sb and sc floats
     * after operand 0 (Winograd's (m+2)^2 GEMMs per pass): one launch where the variant takes it, so that small
     * products do not each pay a launch (64 x 256 x 64: about 30 us of PoCL 3.1's time apiece); one product at a
     * time where CLBlast runs them, where the batch is too few blocks for the device and K long (split-K then), or where
     * the blocked kernel would cut K into panels or copy an operand.
     */
    void runBatch(int count, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, int sa, Buf b, int offB,
                  int ldb, int sb, float beta, Buf c, int offC, int ldc, int sc) {
        runBatch(variant(ta, tb, m, n, k, a), count, ta, tb, m, n, k, alpha, a, offA, lda, sa, b, offB, ldb, sb, beta, c, offC, ldc, sc);
    }

    /** The same with a given variant (the tuner's candidates). */
    void runBatch(GemmVariant v, int count, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, int sa, Buf b,
                  int offB, int ldb, int sb, float beta, Buf c, int offC, int ldc, int sc) {
        int aRows = ta ? k : m, bRows = tb ? n : k;
        boolean alone = count == 1 || v.kind() == GemmVariant.Kind.CLBLAST || (blocks(v, m, n) * count < enough(v) && k >= MIN_SPLIT_K)
                || (v.kind() == GemmVariant.Kind.BLOCKED && (aliases(lda, aRows) || aliases(ldb, bRows) || ((long) k * n > PANEL_OPERAND && k > 2 * PANEL)));
        if (alone) {
            for (int z = 0; z < count; z++) {
                run(v, ta, tb, m, n, k, alpha, a, offA + z * sa, lda, b, offB + z * sb, ldb, beta, c, offC + z * sc, ldc);
            }
            return;
        }
        if (v.kind() == GemmVariant.Kind.PACKED) {
            packed(v, ta, tb, m, n, k, alpha, a, offA, lda, sa, b, offB, ldb, sb, beta, c, offC, ldc, sc, count, 1);
            return;
        }
        launch(v, ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, count, 0, sa, sb, sc);
    }

    /** Partial products runSum may hold at once (floats); beyond it the products accumulate one by one. */
    private static final long MAX_SUM_PARTS = 1L << 26;

    /**
     * c = alpha * (sum over z < count of op(a_z) * op(b_z)) + beta * c, operand z lying sa and sb floats after operand 0
     * (a 1x1 convolution's weight gradient, summed over the images of a batch): the count products in one launch into
     * partial sums, then summed in a fixed order, with the variant of the whole sum's shape (K = count * k) rather
     * than count launches of a product with a short K.
     */
    void runSum(int count, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, int sa, Buf b, int offB,
                int ldb, int sb, float beta, Buf c, int offC, int ldc) {
        GemmVariant v = plan.variant(ta, tb, m, n, (int) Math.min(Integer.MAX_VALUE, (long) count * k));
        long parts = (long) count * m * n;
        if (count == 1 || v.kind() == GemmVariant.Kind.CLBLAST || parts > MAX_SUM_PARTS) {
            for (int z = 0; z < count; z++) {
                run(ta, tb, m, n, k, alpha, a, offA + z * sa, lda, b, offB + z * sb, ldb, z == 0 ? beta : 1f, c, offC, ldc);
            }
            return;
        }
        ClBuffer p = scratch.get("gemm.sum", parts);
        if (v.kind() == GemmVariant.Kind.PACKED) {
            packed(v, ta, tb, m, n, k, 1f, a, offA, lda, sa, b, offB, ldb, sb, 0f, p, 0, n, m * n, count, 1);
        } else {
            launch(v, ta, tb, m, n, k, 1f, a, offA, lda, b, offB, ldb, 0f, p, 0, n, count, 0, sa, sb, m * n);
        }
        cl.kernel(SUM_SPLITS).args(p, count, m * n, alpha, beta, c, offC, m, n, ldc).run((long) m * n);
    }

    /**
     * gemm_packed: op(a) and op(b) of each of count products copied into gemm.cl's packed layout
     * (scratch), then one launch over them; with splits > 1 (count 1) slices of K computed in
     * parallel into partial products and summed as run() does.
     */
    private void packed(GemmVariant v, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, int sa,
                        Buf b, int offB, int ldb, int sb, float beta, Buf c, int offC, int ldc, int sc, int count, int splits) {
        packed(v, ta, tb, m, n, k, alpha, a, offA, lda, sa, b, offB, ldb, sb, beta, c, offC, ldc, sc, count, splits, null);
    }

    /** epilogue: null, or gemm_packed's ROWBIAS arguments {bias, flags, residual} (splits 1). */
    private void packed(GemmVariant v, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, int sa,
                        Buf b, int offB, int ldb, int sb, float beta, Buf c, int offC, int ldc, int sc, int count, int splits, Object[] epilogue) {
        int tm = v.get("TM"), nr = v.get("VW") * v.get("VN");
        long rowBlocks = ceilDiv(m, tm), panels = ceilDiv(n, nr), sap = rowBlocks * tm * k, sbp = panels * nr * k;
        if (sap > Integer.MAX_VALUE || sbp > Integer.MAX_VALUE) {
            throw new ClException("GEMM " + m + " x " + n + " x " + k + " is too large for one packed operand; use another gemm variant");
        }
        String options = "-DTRANS_A=" + (ta ? 1 : 0) + " -DTRANS_B=" + (tb ? 1 : 0) + " " + v.options();
        // an operand every item shares (stride 0: a 1x1 convolution's weights) is packed once
        int countA = sa == 0 ? 1 : count, countB = sb == 0 ? 1 : count;
        long kChunks = ceilDiv(k, PACK_K);
        java.util.function.Consumer<ClBuffer> packA = dst ->
                cl.kernel("gemm.cl", options, "gemm_pack_a").args(m, k, a, offA, lda, sa, dst, (int) sap).runLocal(ONE, rowBlocks, kChunks, countA);
        ClBuffer ap;
        if (a == weights) {
            String layout = "gemm.ap TM=" + tm + " T=" + ta + " m=" + m + " k=" + k + " at=" + offA + " ld=" + lda + " stride=" + sa + " count=" + countA;
            ap = scratch.derived(weights, layout, countA * sap, packA);
        } else {
            ap = scratch.get("gemm.ap", countA * sap);
            packA.accept(ap);
        }
        ClBuffer bp = scratch.get("gemm.bp", countB * sbp);
        cl.kernel("gemm.cl", options, "gemm_pack_b").args(n, k, b, offB, ldb, sb, bp, (int) sbp).runLocal(ONE, tb ? panels : ceilDiv(panels, PACK_PANELS), kChunks, countB);
        if (splits <= 1) {
            Object[] args = {m, n, k, alpha, ap, bp, beta, c, offC, ldc, 0, countA == 1 ? 0 : (int) sap, countB == 1 ? 0 : (int) sbp, sc};
            cl.kernel("gemm.cl", options + (epilogue != null ? " -DROWBIAS=1" : ""), "gemm_packed").args(withEpilogue(args, epilogue))
                    .runLocal(ONE, rowBlocks, panels, count);
            return;
        }
        int slice = (k + splits - 1) / splits;
        splits = (k + slice - 1) / slice;
        ClBuffer parts = scratch.get("gemm.splits", (long) splits * m * n);
        cl.kernel("gemm.cl", options, "gemm_packed").args(m, n, k, 1f, ap, bp, 0f, parts, 0, n, slice, 0, 0, m * n)
                .runLocal(ONE, rowBlocks, panels, splits);
        cl.kernel(SUM_SPLITS).args(parts, splits, m * n, alpha, beta, c, offC, m, n, ldc).run((long) m * n);
    }

    /** Independent pieces of an m x n C: work-items of the blocked kernels, work-groups of the tiled one. */
    private static long blocks(GemmVariant v, int m, int n) {
        return switch (v.kind()) {
            case NT -> ceilDiv(n, v.get("TC")) * ceilDiv(m, v.get("TR"));
            case TILED -> ceilDiv(n, v.get("TSN")) * ceilDiv(m, v.get("TSM"));
            case PACKED -> ceilDiv(n, v.get("VW") * v.get("VN")) * ceilDiv(m, v.get("TM"));
            default -> ceilDiv(n, v.get("VW") * v.get("VN")) * ceilDiv(m, v.get("TM"));
        };
    }

    private long enough(GemmVariant v) {
        return v.kind() == GemmVariant.Kind.TILED ? minGroups : minBlocks;
    }

    private static boolean aliases(int ld, int rows) {
        return ld % 1024 == 0 && (long) ld * rows >= (1 << 20);
    }

    /**
     * items launches of one product in global dimension 2: slices of K when kslice > 0 (slice s writes its partial
     * product m*n floats after the one before), else a batch of products; item z reads a and b sa and sb floats after
     * the first item's and writes c sc floats after it.
     */
    private void launch(GemmVariant v, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b,
                        int offB, int ldb, float beta, Buf c, int offC, int ldc, int items, int kslice, int sa, int sb, int sc) {
        launch(v, ta, tb, m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, items, kslice, sa, sb, sc, null);
    }

    /** epilogue: null, or the blocked kernel's ROWBIAS arguments {bias, flags, residual} (kslice 0). */
    private void launch(GemmVariant v, boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b,
                        int offB, int ldb, float beta, Buf c, int offC, int ldc, int items, int kslice, int sa, int sb, int sc, Object[] epilogue) {
        String options = "-DTRANS_A=" + (ta ? 1 : 0) + " -DTRANS_B=" + (tb ? 1 : 0) + " " + v.options();
        switch (v.kind()) {
            case NT -> launchGroups(cl.kernel("gemm.cl", options, "gemm_nt").args(m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc,
                    kslice, sa, sb, sc), v, ceilDiv(m, v.get("TR")), ceilDiv(n, v.get("TC")), items);
            case TILED -> {
                long lx = v.get("TSN") / v.get("WN"), ly = v.get("TSM") / v.get("WM");
                cl.kernel("gemm.cl", options, "gemm_tiled").args(m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, kslice, sa, sb, sc)
                        .runLocal(new long[]{lx, ly, 1}, ceilDiv(n, v.get("TSN")) * lx, ceilDiv(m, v.get("TSM")) * ly, items);
            }
            default -> {
                // the smaller operand stays in cache while the larger one streams through once
                boolean rowsFirst = (long) m * k < (long) k * n;
                long rowBlocks = ceilDiv(m, v.get("TM")), colBlocks = ceilDiv(n, v.get("VW") * v.get("VN"));
                Object[] args = {m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc, kslice, sa, sb, sc};
                launchGroups(cl.kernel("gemm.cl", options + " -DROWS_FIRST=" + (rowsFirst ? 1 : 0) + (epilogue != null ? " -DROWBIAS=1" : ""), "gemm")
                        .args(withEpilogue(args, epilogue)), v, rowsFirst ? rowBlocks : colBlocks, rowsFirst ? colBlocks : rowBlocks, items);
            }
        }
    }

    private void clblast(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
                         float beta, Buf c, int offC, int ldc) {
        ClBlastGemm.load();
        int status;
        synchronized (cl) {
            cl.checkUse("CLBlast SGEMM");
            status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor,
                ta ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                tb ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                m, n, k, alpha, ClBuffer.of(a), offA, lda, ClBuffer.of(b), offB, ldb, beta, ClBuffer.of(c), offC, ldc,
                cl.queue(), null);
            ((ClBuffer) c).wrote();
        }
        if (status != 0) {
            throw new ClException("CLBlast SGEMM (" + m + " x " + n + " x " + k + ") failed with status " + status);
        }
    }

    /** Dense row-major matrices: leading dimensions follow from the shapes. */
    /** c = alpha * op(a) * op(b) + beta * c with variant v whatever the plan says, the operands checked as Backend.gemm checks them. */
    void runChecked(GemmVariant v, boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        int[] mnk = io.github.clconv.backend.Checks.gemm(ta, tb, alpha, a, b, beta, c);
        int m = mnk[0], n = mnk[1], k = mnk[2];
        run(v, ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    }

    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        run(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    }

    /**
     * WG=0's work-group: up to 8 x 8 work-items. Left to the runtime, PoCL made groups of up to 4,096
     * work-items and ran each on one thread's stack, each work-item's private blocks beside the
     * others' (~2 KB for gemm_nt's TR=4 TC=6 VK=16): 8 MB and more, past the worker's stack (a
     * SIGSEGV with no JVM report; the run died). 64 work-items keep that to a few hundred KB.
     */
    static final long GROUP = 64, GROUP_ROWS = 8;

    /** WG=1: one work-item per group; WG=0: groups of at most GROUP (and the kernel's own limit). */
    private static long[] group(ClKernel kernel, GemmVariant v, long g0, long g1) {
        if (v.get("WG") == 1) {
            return ONE;
        }
        long most = Math.min(GROUP, kernel.maxGroupSize()), l0 = Math.min(Math.min(GROUP_ROWS, most), g0);
        return new long[]{l0, Math.max(1, Math.min(most / l0, g1)), 1};
    }

    /** Launches over (g0, g1, items) in group()'s work-groups, each extent rounded up to whole groups (the kernels return past the edge). */
    private static void launchGroups(ClKernel kernel, GemmVariant v, long g0, long g1, long items) {
        long[] l = group(kernel, v, g0, g1);
        kernel.runLocal(l, ceilDiv(g0, l[0]) * l[0], ceilDiv(g1, l[1]) * l[1], items);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
