package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Direct convolution on the device (opencl/direct.cl) for stride-1 "same" layers: odd square
 * filters up to 7x7 with padding (R-1)/2, ungrouped. Nothing the size of an im2col matrix is
 * written: each pass copies its inputs once behind zero guards (direct_pad), then reads them
 * with one vector load per filter tap. Where work-groups are single work-items covering whole
 * planes, a forward pass that keeps nothing for backward, and the input gradient, copy each
 * image (of x, of dy) behind the guards into local memory inside direct_conv instead (no pad
 * pass, one launch and one written copy fewer).
 *
 *   forward : y = direct_conv(pad(x), w) + bias
 *   backward: dx = direct_conv(pad(dy), w turned and transposed);  dw, db = direct_dw(pad(x), pad(dy)),
 *             or with 16-wide vectors and filters up to 5x5 direct_dw_lanes(x, dy transposed), which reads
 *             x itself (tap rows outside the plane read a row of zeros): the forward then keeps nothing
 *
 * vw pixels (the vector width) by tm output channels per work-item; MovementTuner's verdict
 * picks the width: a wide vector per work-item where work-items run one after another (CPU
 * runtimes), one pixel per work-item where they run in SIMD lanes.
 */
final class ClDirect implements ConvAlgorithm {
    private static final KernelRef DIRECT_PAD = new KernelRef("direct.cl", "direct_pad");
    private static final KernelRef DIRECT_PAD_ROWS = new KernelRef("direct.cl", "direct_pad_rows");
    /** Work-groups a launch keeps at least, where it can, when work-groups take several output groups (outputGroups). */
    private static final int WORK_GROUPS = 16;
    /** Work-items per compute unit of direct_pad_rows: enough to share out, few enough that starting them costs little. */
    private static final int PLANES_PER_UNIT = 8;
    private final ClContext cl;
    private final Scratch scratch;
    private final int vw;
    private final int tm;
    private final int tk;
    /** Vectors of pixels per step of direct_conv (PV): 2 loads each weight once for two vectors. */
    private final int pv;

    private final boolean elementwise;
    /** Work-groups of one work-item for the vector kernels (as the GEMM's blocked kernel): the runtime's own grouping would vectorise across work-items again. */
    private final long[] local;

    ClDirect(ClContext cl, Scratch scratch, boolean elementwise) {
        this(cl, scratch, elementwise, elementwise ? 1 : 16, elementwise ? 8 : 16, 2, 1);
    }

    /** Two vectors of pixels by 8 filters per step where vectors are 16 wide (applies to nothing else). */
    static ClDirect pairs(ClContext cl, Scratch scratch, boolean elementwise) {
        return new ClDirect(cl, scratch, elementwise, 16, 8, 2, 2);
    }

    /**
     * 8-wide vectors, pv of them by 8 / pv filters per step, where work-items run one after another (applies to
     * nothing else): the 16-wide forms hold 16 vectors of 16 floats, which a device with sixteen 8-float
     * registers (AVX2) keeps on the stack (a 16@28 layer's forward 2.2 ms against 6.5 on a Zen 3).
     */
    static ClDirect narrow(ClContext cl, Scratch scratch, boolean elementwise, int pv) {
        return new ClDirect(cl, scratch, elementwise, 8, 8 / pv, 2, pv);
    }

    ClDirect(ClContext cl, Scratch scratch, boolean elementwise, int vw, int tm, int tk, int pv) {
        this.cl = cl;
        this.scratch = scratch;
        this.elementwise = elementwise;
        this.vw = vw;
        this.tm = tm;
        this.tk = tk;
        this.pv = pv;
        this.local = vw > 1 ? new long[]{1, 1, 1} : null;
    }

    @Override
    public boolean applies(ConvGeom g) {
        return appliesTo(g) && (vw == 1 || !elementwise); // elementwise, the default form is one pixel per work-item
    }

    /**
     * A (x's) copy behind zero guards that direct_dw reuses; null where it would not fit one buffer, and
     * where direct_dw_lanes reads x itself.
     */
    @Override
    public Shape keptShape(ConvGeom g) {
        return !lanes(g) && paddedInput(g) <= Integer.MAX_VALUE ? Shape.of((int) paddedInput(g)) : null;
    }

    static boolean appliesTo(ConvGeom g) {
        return g.r() == g.s() && g.r() % 2 == 1 && g.r() > 1 && g.r() <= 7 && g.stride() == 1 && g.pad() == (g.r() - 1) / 2
                && g.groups() == 1;
    }

    private String options(ConvGeom g, boolean flip) {
        return options(g, flip, false, tm, 0);
    }

    /** ts: floats from one filter to the next in w (direct_conv reads a group's filters at offsets fixed when it is built). */
    private String options(ConvGeom g, boolean flip, boolean localPad, int tm, int ts) {
        return options(g, flip, localPad, tm, ts, 1, false);
    }

    private String options(ConvGeom g, boolean flip, boolean localPad, int tm, int ts, int stack, boolean pool) {
        return (pool ? "-DPOOL=1 " : "") + "-DKS=" + g.r() + " -DVW=" + vw + " -DTM=" + tm + " -DTK=" + tk + " -DTC=" + lanesChannels(g) + " -DFLIP=" + (flip ? 1 : 0)
                + " -DLOCALPAD=" + (localPad ? 1 : 0) + (ts > 0 ? " -DTS=" + ts : "") + (stack > 1 ? " -DSTACK=" + stack : "")
                + (pv > 1 ? " -DPV=" + pv : "");
    }

    /** Output channels per work-item for ko filters: tm, or the largest power of two up to ko where ko is smaller (direct_conv needs TM <= KO). */
    private int tmFor(int ko) {
        return ko >= tm ? tm : Integer.highestOneBit(ko);
    }

    /** Floats of one image's planes behind zero guards, as direct_conv copies them into local memory. */
    private long localPadFloats(ConvGeom g, int channels) {
        return localPadFloats(g, channels, 1);
    }

    /** The same for stack images' planes stacked per channel (STACK). */
    private long localPadFloats(ConvGeom g, int channels, int stack) {
        return (long) channels * ((long) stack * g.h() * g.w() + guard(g)) + guard(g);
    }

    /** The local memory direct_conv takes: the image's copy, and with POOL its tm output planes behind it. */
    private long localFloats(ConvGeom g, int channels, int stack, int tm, boolean pool) {
        long planes = pool ? (long) tm * (((long) stack * g.h() * g.w() + vw - 1) / vw * vw) : 0;
        return localPadFloats(g, channels, stack) + planes;
    }

    /**
     * Images a work-group stacks (direct_conv's STACK) where it pads in local memory: as many as fill
     * whole vectors (16 / gcd(P, 16): 7x7 planes took 4 vectors for 49 pixels, 16 stacked take 49; 14x14,
     * 4), fewer where fewer than WORK_GROUPS work-groups would be left or local memory would not hold
     * them, 1 where stacking saves no vector.
     */
    private int stack(ConvGeom g, int ci, int ko, boolean pool) {
        int p = g.h() * g.w(), m = Math.min(vw / gcd(p, vw), g.n()), groups = (ko + tmFor(ko) - 1) / tmFor(ko);
        while (m > 1 && ((long) (g.n() + m - 1) / m * groups < WORK_GROUPS
                || localFloats(g, ci, m, tmFor(ko), pool) * Float.BYTES > cl.device().localMemBytes())) {
            m /= 2;
        }
        long alone = (long) (p + vw - 1) / vw * m, stacked = ((long) m * p + vw - 1) / vw;
        return local != null && m > 1 && stacked < alone ? m : 1;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * The forward pass pads x inside direct_conv (LOCALPAD) where work-groups are single
     * work-items covering whole planes and one image's padded planes fit the local memory.
     */
    private boolean localPad(ConvGeom g, int channels) {
        return localPad(g, channels, false);
    }

    /** The same with, for pool, direct_conv's output planes in local memory too (POOL). */
    private boolean localPad(ConvGeom g, int channels, boolean pool) {
        return local != null && localFloats(g, channels, 1, tmFor(g.k()), pool) * Float.BYTES <= cl.device().localMemBytes();
    }

    private int guard(ConvGeom g) {
        return g.pad() * g.w() + g.pad() + pv * vw; // a step's last vector may start past the plane's end
    }

    /** Floats of x's copy behind zero guards: a training forward pass leaves it for backward (Backend.convKept). */
    long paddedInput(ConvGeom g) {
        return (long) g.n() * g.c() * (g.h() * g.w() + guard(g)) + guard(g);
    }

    /** src's planes (planes x P floats) copied into into, or the scratch buffer name when into is null, behind zero guards. */
    private ClBuffer pad(Buf src, int planes, int p, int guard, String name, ClBuffer into) {
        long total = (long) planes * (p + guard) + guard;
        ClBuffer out = into != null ? into : scratch.get(name, total);
        if (elementwise) {
            cl.kernel(DIRECT_PAD).args(src, out, planes, p, guard).run(total);
        } else {
            int per = Math.max(1, planes / (PLANES_PER_UNIT * cl.device().computeUnits()));
            cl.kernel(DIRECT_PAD_ROWS).args(src, out, planes, p, guard, per).runLocal(new long[]{1}, (planes + per - 1) / per);
        }
        return out;
    }

    /** kept, when given (paddedInput(g) floats), receives x's padded copy for backward. */
    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        forward(x, w, bias, g, null, act, y, kept);
    }

    @Override
    public boolean forwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        forward(x, w, bias, g, residual, act, y, null);
        return true;
    }

    private void forward(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y, ClBuffer kept) {
        int flags = ConvAlgorithm.flags(bias, act) | (residual != null ? ConvAlgorithm.EPI_RESIDUAL : 0);
        if (kept == null && localPad(g, g.c())) {
            conv(x, w, bias, flags, residual, g.c(), g.k(), g, false, true, y);
            return;
        }
        if (localPad(g, g.c()) && stack(g, g.c(), g.k(), false) > 1) { // the padded copy for backward, and the stacked planes from x
            pad(x, g.n() * g.c(), g.h() * g.w(), guard(g), "direct.x", kept);
            conv(x, w, bias, flags, residual, g.c(), g.k(), g, false, true, y);
            return;
        }
        ClBuffer xp = pad(x, g.n() * g.c(), g.h() * g.w(), guard(g), "direct.x", kept);
        conv(xp, w, bias, flags, residual, g.c(), g.k(), g, false, false, y);
    }

    /**
     * y = maxpool2x2(act(conv(x, w) + bias)) (stride 2, no padding; y [N][K][H/2][W/2]) in one launch, the pool
     * as direct_conv stores (POOL), where work-items cover whole planes and their output planes fit local memory
     * beside the image's copy: false (nothing done) elsewhere.
     */
    @Override
    public boolean forwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        if (!localPad(g, g.c(), true) || g.h() < 2 || g.w() < 2) {
            return false;
        }
        conv(x, w, bias, ConvAlgorithm.flags(bias, act), null, g.c(), g.k(), g, false, true, true, y);
        return true;
    }

    private void conv(Buf in, Buf w, Buf bias, int flags, Buf residual, int ci, int ko, ConvGeom g, boolean flip, boolean localPad, Buf out) {
        conv(in, w, bias, flags, residual, ci, ko, g, flip, localPad, false, out);
    }

    /** residual: added before the activation (flags has EPI_RESIDUAL), or null; pool: out takes the 2x2 maxima (POOL). */
    private void conv(Buf in, Buf w, Buf bias, int flags, Buf residual, int ci, int ko, ConvGeom g, boolean flip, boolean localPad, boolean pool,
                      Buf out) {
        int stack = localPad ? stack(g, ci, ko, pool) : 1, stacks = (g.n() + stack - 1) / stack;
        int p = g.h() * g.w(), vectors = (stack * p + vw - 1) / vw, per = local != null ? vectors : 1; // a plane per work-item where they run one by one
        int tm = tmFor(ko), groups = (ko + tm - 1) / tm, og = outputGroups(groups, stacks);
        ClKernel.LocalMemory lp = new ClKernel.LocalMemory(localPad ? localFloats(g, ci, stack, tm, pool) * Float.BYTES : Float.BYTES);
        int ts = flip ? g.r() * g.s() : ci * g.r() * g.s();
        cl.kernel("direct.cl", options(g, flip, localPad, tm, ts, stack, pool), "direct_conv")
                .args(in, w, bias, flags, residual != null ? residual : out, out, ci, ko, g.h(), g.w(), guard(g), per, og, g.n(), lp)
                .runLocal(local, (vectors + per - 1) / per, (groups + og - 1) / og, stacks);
    }

    /**
     * Groups of output channels one work-group computes one after another: where work-items run
     * one by one (each a whole plane), as many as leave at least WORK_GROUPS work-groups, so that
     * a large batch copies each image once and a small one still spreads over the threads; else one.
     */
    private int outputGroups(int groups, int images) {
        if (local == null) {
            return 1;
        }
        int og = Math.max(1, Math.min(groups, images * groups / WORK_GROUPS));
        int launched = (groups + og - 1) / og; // work-groups per image; then the same count with groups shared evenly
        return (groups + launched - 1) / launched;
    }

    /** Input channels per work-item of direct_dw_lanes: its TC*KS*KS accumulators must fit the registers. */
    static int lanesChannels(ConvGeom g) {
        return g.r() == 1 ? 8 : g.r() == 3 ? 2 : 1;
    }

    /**
     * direct_dw_lanes (16 filters in the lanes) where the vectors are 16 wide and its accumulators fit (filters up to 5x5);
     * with 8-wide vectors, 8 filters in the lanes and one input channel per work-item for 3x3 filters (9 accumulators).
     */
    private boolean lanes(ConvGeom g) {
        return vw == 16 ? g.r() <= 5 : vw == 8 && g.r() <= 3;
    }

    /** Filters in direct_dw_lanes' lanes. */
    private int dwLanes() {
        return vw == 16 ? 16 : 8;
    }

    /** direct_dy_lanes' and direct_dw_lanes' build: the forward's own with 16-wide vectors; 8 lanes and TC = 1 (-DDWL=8) with 8-wide. */
    private String lanesOptions(ConvGeom g) {
        return vw == 16 ? options(g, false) : "-DKS=" + g.r() + " -DVW=16 -DTC=1 -DDWL=" + dwLanes();
    }

    /** Input channels per work-item of direct_dw_lanes. */
    private int lanesTc(ConvGeom g) {
        return vw == 16 ? lanesChannels(g) : 1;
    }

    /** kept: x's padded copy from forward, or null. */
    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        int p = g.h() * g.w(), guard = guard(g);
        boolean lanes = dw != null && lanes(g);
        boolean dxLocal = dx != null && localPad(g, g.k()); // the input gradient pads dy in local memory: no padded copy of dy
        int kl = (g.k() + 15) / 16 * 16;
        ClBuffer dyl = lanes ? scratch.get("direct.dyl", (long) g.n() * p * kl) : null;
        ClBuffer dyp = null;
        if (lanes) { // dy transposed for the weight gradient and, from the same loads, padded for the input gradient
            long[] one = {1, 1};
            dyp = dx != null && !dxLocal ? scratch.get("direct.dy", (long) g.n() * g.k() * (p + guard) + guard) : null;
            cl.kernel("direct.cl", lanesOptions(g), "direct_dy_lanes").args(dy, dyl, g.k(), p, kl, dyp, guard, dyp != null ? 1 : 0)
                    .runLocal(one, kl / 16, g.n());
        } else if ((dx != null && !dxLocal) || dw != null) {
            dyp = pad(dy, g.n() * g.k(), p, guard, "direct.dy", null);
        }
        if (dx != null) {
            conv(dxLocal ? dy : dyp, w, null, 0, null, g.k(), g.c(), g, true, dxLocal, dx);
        }
        if (dw != null) {
            if (lanes) {
                int tc = lanesTc(g);
                long[] one = {1, 1};
                ClBuffer zrow = scratch.zeros("direct.zrow", g.w() + 2L * g.pad());
                cl.kernel("direct.cl", lanesOptions(g), "direct_dw_lanes")
                        .args(x, dyl, dw, db != null ? db : dw, db != null ? 1 : 0, g.n(), g.c(), g.k(), g.h(), g.w(), kl, g.h(), g.w(), zrow)
                        .runLocal(one, kl / dwLanes(), (g.c() + tc - 1) / tc);
            } else {
                ClBuffer xp = kept != null ? kept : pad(x, g.n() * g.c(), p, guard, "direct.x", null);
                cl.kernel("direct.cl", options(g, false), "direct_dw")
                        .args(xp, dyp, dw, db != null ? db : dw, db != null ? 1 : 0, g.n(), g.c(), g.k(), g.h(), g.w(), guard)
                        .runLocal(local == null ? null : new long[]{1, 1}, (g.k() + tk - 1) / tk, g.c());
            }
        } else if (db != null) {
            ClConv.biasGradient(cl, scratch, elementwise, dy, g.n(), g.k(), p, db);
        }
    }
}
