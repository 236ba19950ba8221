package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

/**
 * Winograd F(m x m, 3x3) convolutions on the device (opencl/winograd.cl built with -DWM=m, m 2
 * or 4): the forward pass and the input gradient of 3x3, stride-1, ungrouped convolutions with
 * padding up to 2. The batch goes in chunks of images whose transformed tiles fit the column
 * budget; the (m+2)^2 products per chunk are GEMMs of the tuned family. The weight gradient
 * is the dual algorithm F(3x3, m x m) on the same tiles: (m+2)^2 GEMMs that sum over the tiles.
 */
final class ClWinograd implements ConvAlgorithm {
    private static final KernelRef PAD_PLANES_ROWS = new KernelRef("tensor.cl", "pad_planes_rows");
    private final ClContext cl;
    private final ClGemm gemm;
    private final Scratch scratch;
    private final long budgetFloats;
    /** MovementTuner's choice for the convolution's data movement: the transforms follow it (an element, or a tile row, per work-item). */
    private final boolean elementwise;
    /** Outputs per tile side and the tile side. */
    private final int tile, side;
    /** Tiles per vector in winograd.cl's _vec kernels (a row's 16 + 2 input columns). */
    private final int vt;
    /** winograd.cl's kernels, built for one tile size. */
    private record Kernels(KernelRef dyLanes, KernelRef dy, KernelRef dyVec, KernelRef dyRows, KernelRef biasGrad,
                           KernelRef filterGrad, KernelRef inputLanes, KernelRef input, KernelRef inputVec,
                           KernelRef inputRows, KernelRef filter, KernelRef outputLanes, KernelRef output,
                           KernelRef outputVec, KernelRef outputRows, KernelRef inputVec16, KernelRef outputVec16) {
        static Kernels of(String options) {
            return new Kernels(new KernelRef("winograd.cl", options, "winograd_dy_lanes"),
                    new KernelRef("winograd.cl", options, "winograd_dy"),
                    new KernelRef("winograd.cl", options, "winograd_dy_vec"),
                    new KernelRef("winograd.cl", options, "winograd_dy_rows"),
                    new KernelRef("winograd.cl", options, "winograd_bias_grad"),
                    new KernelRef("winograd.cl", options, "winograd_filter_grad"),
                    new KernelRef("winograd.cl", options, "winograd_input_lanes"),
                    new KernelRef("winograd.cl", options, "winograd_input"),
                    new KernelRef("winograd.cl", options, "winograd_input_vec"),
                    new KernelRef("winograd.cl", options, "winograd_input_rows"),
                    new KernelRef("winograd.cl", options, "winograd_filter"),
                    new KernelRef("winograd.cl", options, "winograd_output_lanes"),
                    new KernelRef("winograd.cl", options, "winograd_output"),
                    new KernelRef("winograd.cl", options, "winograd_output_vec"),
                    new KernelRef("winograd.cl", options, "winograd_output_rows"),
                    new KernelRef("winograd.cl", options, "winograd_input_vec16"),
                    new KernelRef("winograd.cl", options, "winograd_output_vec16"));
        }
    }

    private final Kernels k;

    /**
     * Chunks sized to the device's cache (winograd4-chunked): V and M of a chunk each within an eighth of
     * CL_DEVICE_GLOBAL_MEM_CACHE_SIZE. On PoCL 3.1 (Zen 4, 32 MiB reported) lenet-bn's 64x64@14 layer at batch 64
     * forward in 3.07-3.23 ms (three chunks of 22 images) against 3.90-4.68 (the whole batch, V and M 9.6 MB each);
     * 32x128@28 16.8 -> 19.0 ms: a choice by measurement per shape, so a registration of its own, applying only where
     * the whole batch's V is over twice that budget.
     */
    private final boolean cacheChunks;

    ClWinograd(ClContext cl, ClGemm gemm, Scratch scratch, long budgetBytes, boolean elementwise, int tile) {
        this(cl, gemm, scratch, budgetBytes, elementwise, tile, false);
    }

    /** The same in chunks whose transforms fit the device's cache (cacheChunks), where it reports one. */
    static ClWinograd cacheChunked(ClContext cl, ClGemm gemm, Scratch scratch, boolean elementwise, int tile) {
        return new ClWinograd(cl, gemm, scratch, cl.device().globalMemCacheBytes() / 8, elementwise, tile, true);
    }

    private ClWinograd(ClContext cl, ClGemm gemm, Scratch scratch, long budgetBytes, boolean elementwise, int tile, boolean cacheChunks) {
        if (tile != 2 && tile != 4) {
            throw new IllegalArgumentException("Winograd tile " + tile + ": 2 or 4");
        }
        this.tile = tile;
        this.side = tile + 2;
        this.vt = 16 / tile;
        this.k = Kernels.of("-DWM=" + tile); // one program per tile size
        this.cl = cl;
        this.gemm = gemm;
        this.scratch = scratch;
        this.budgetFloats = budgetBytes / 4;
        this.elementwise = elementwise;
        this.cacheChunks = cacheChunks;
    }

    @Override
    public boolean applies(ConvGeom g) {
        if (!appliesTo(g) || !cacheChunks) {
            return appliesTo(g);
        }
        // where the whole batch's V (or M) is over twice a chunk's budget: resnet20's 32@14 layer at batch 64 (4.7 MB whole,
        // 4 MB budget) ran 5-10% slower in two chunks
        long whole = (long) side * side * Math.max(g.c(), g.k()) * tiles(g.oh()) * tiles(g.ow()) * g.n();
        return budgetFloats > 0 && whole > 2 * budgetFloats;
    }

    static boolean appliesTo(ConvGeom g) {
        return g.r() == 3 && g.s() == 3 && g.stride() == 1 && g.groups() == 1 && g.pad() <= 2;
    }

    /** Images per chunk for a convolution of ci to ko channels with tiles tiles per image. */
    private int step(int n, int ci, int ko, int tiles) {
        int step = (int) Math.max(1, Math.min(n, budgetFloats / ((long) side * side * Math.max(ci, ko) * tiles)));
        if (!cacheChunks) {
            return step;
        }
        int chunks = (n + step - 1) / step;
        return (n + chunks - 1) / chunks; // chunks of equal size: 64 images in 28 + 28 + 8 had paid a third launch set for 8
    }

    /**
     * Row stride of V, M and D for t tiles: a multiple of 16, so that the _lanes kernels' last vector of tiles
     * stays in its row, and off multiples of 4 KiB.
     */
    private static int ld(int t) {
        return ClConv.paddedLd((t + 15) / 16 * 16);
    }

    /**
     * The _lanes kernels (16 tiles of any rows in a vector) where a tile row is no wider than the _vec kernels' vector:
     * on PoCL 3.1, 6% faster than _vec on 14x14 planes with F(4x4) (a row of 4 tiles), slower from 28x28 on.
     */
    private boolean lanes(int tw) {
        return !elementwise && tw <= vt;
    }

    private int tiles(int outSize) {
        return (outSize + tile - 1) / tile;
    }

    /**
     * The transformed input of a training forward pass, kept for the weight gradient (the same
     * B^T d B), when the batch is one chunk; null otherwise.
     */
    @Override
    public Shape keptShape(ConvGeom g) {
        int tiles = tiles(g.oh()) * tiles(g.ow());
        if (step(g.n(), g.c(), g.k(), tiles) < g.n()) {
            return null;
        }
        long floats = (long) side * side * ClConv.paddedLd(g.c() * ld(g.n() * tiles));
        return floats <= Integer.MAX_VALUE ? Shape.of((int) floats) : null;
    }

    /** y = conv(x, w) + bias for g (3x3, stride 1); kept (of keptShape(g)) or null receives x's transform. */
    @Override
    public void forward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, ClBuffer kept) {
        run(x, w, false, bias, ConvAlgorithm.flags(bias, act), g.n(), g.c(), g.h(), g.w(), g.k(), g.pad(), y, kept);
    }

    /**
     * dx, dw and db (each may be null) of g's convolution for dy; kept: forward's transform of x, or null. The input
     * gradient goes first: where its zero-padded copy of dy covers the whole batch, the weight gradient's transform of
     * dy reads it too instead of padding dy again.
     */
    @Override
    public void backward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf db, ClBuffer kept) {
        Padded shared = dx != null ? backwardData(w, dy, g, dx) : null;
        if (dw != null) {
            backwardWeights(x, dy, g, dw, db, kept, g.pad() <= 1 ? shared : null);
        } else if (db != null) {
            ClConv.biasGradient(cl, scratch, elementwise, dy, g.n(), g.k(), g.oh() * g.ow(), db);
        }
    }

    /** A zero-padded copy of a whole batch's planes, hp x wp each, the data starting at row and column pad. */
    private record Padded(ClBuffer buf, int hp, int wp, int pad) {
    }

    /** dx = the input gradient of g's convolution for dy: a convolution of dy with the flipped, transposed filters. */
    private Padded backwardData(Buf w, Buf dy, ConvGeom g, Buf dx) {
        return run(dy, w, true, null, 0, g.n(), g.k(), g.oh(), g.ow(), g.c(), 2 - g.pad(), dx, null);
    }

    /**
     * dw = the weight gradient of g's convolution for x and dy, and db from the same transform of dy (the (1, 1)
     * element of A dy A^T is its tile's sum) where work-items run one by one; kept: forward's transform of x, or null;
     * shared: dy's padded copy from the input gradient (pad <= 1, so that it reaches every tile), or null.
     */
    private void backwardWeights(Buf x, Buf dy, ConvGeom g, Buf dw, Buf db, ClBuffer kept, Padded shared) {
        int ci = g.c(), ko = g.k(), pad = g.pad(), oh = g.oh(), ow = g.ow();
        int th = tiles(oh), tw = tiles(ow), tiles = th * tw, planes = side * side;
        int step = kept != null ? g.n() : step(g.n(), ci, ko, tiles);
        int ldMax = ld(step * tiles);
        ClBuffer v = kept != null ? kept : scratch.get("winograd.v", (long) planes * ClConv.paddedLd(ci * ldMax));
        ClBuffer d = scratch.get("winograd.m", (long) planes * ClConv.paddedLd(ko * ldMax));
        ClBuffer p = scratch.get("winograd.u", (long) planes * ko * ci);
        for (int n0 = 0; n0 < g.n(); n0 += step) {
            int nb = Math.min(step, g.n() - n0), t = nb * tiles, ld = ld(t), psV = ClConv.paddedLd(ci * ld), psD = ClConv.paddedLd(ko * ld);
            if (kept == null) {
                transformInput(x, v, ci, g.h(), g.w(), pad, th, tw, n0, nb, t, ld, psV, "winograd.xp");
            }
            if (lanes(tw)) { // from a copy with zeros past OH and OW, so that the gathers need no bounds checks
                Padded dp = shared != null && step == g.n() ? shared : null;
                if (dp == null) {
                    dp = new Padded(scratch.get("winograd.dyp", (long) nb * ko * tile * th * tile * tw), tile * th, tile * tw, 0);
                    cl.kernel(PAD_PLANES_ROWS).args(dy, dp.buf(), oh, ow, 0, n0 * ko, dp.hp(), dp.wp(), nb * ko).runBounded(nb * ko);
                }
                cl.kernel(k.dyLanes()).args(dp.buf(), dp.pad() * dp.wp() + dp.pad(), d, ko, dp.hp(), dp.wp(), th, tw, t, ld, psD)
                        .runBounded((t + 15) / 16, ko);
            } else if (elementwise) {
                cl.kernel(k.dy()).args(dy, d, ko, oh, ow, th, tw, n0, t, ld, psD).runBounded((long) ko * t);
            } else if (tw >= vt) {
                cl.kernel(k.dyVec()).args(dy, d, ko, oh, ow, th, tw, n0, t, ld, psD).runBounded((long) nb * th, ko);
            } else {
                cl.kernel(k.dyRows()).args(dy, d, ko, oh, ow, th, tw, n0, t, ld, psD).runBounded((long) nb * th, ko);
            }
            if (db != null && !elementwise) {
                cl.kernel(k.biasGrad()).args(d, (side + 1) * psD, db, ko, t, ld, n0 == 0 ? 0 : 1).runBounded(ko);
            }
            // summing chunk after chunk, in a fixed order
            gemm.runBatch(planes, false, true, ko, ci, t, 1f, d, 0, ld, psD, v, 0, ld, psV, n0 == 0 ? 0f : 1f, p, 0, ci, ko * ci);
        }
        cl.kernel(k.filterGrad()).args(p, dw, ko * ci).runBounded((long) ko * ci);
        if (db != null && elementwise) { // a work-group tree sum per channel suits such devices better than a work-item per filter
            ClConv.biasGradient(cl, scratch, elementwise, dy, g.n(), ko, oh * ow, db);
        }
    }

    /** V for images n0 .. n0+nb of in; padName: the scratch buffer of its zero-padded copy, returned on the _lanes path (else null). */
    private Padded transformInput(Buf in, ClBuffer v, int ci, int h, int wd, int pad, int th, int tw, int n0, int nb, int t, int ld, int psV,
                                  String padName) {
        if (lanes(tw)) {
            int hp = tile * th + 2, wp = tile * tw + 2, count = nb * ci;
            ClBuffer xp = scratch.get(padName, (long) count * hp * wp);
            cl.kernel(PAD_PLANES_ROWS).args(in, xp, h, wd, pad, n0 * ci, hp, wp, count).runBounded(count);
            // a row of exactly one vector of tiles: whole rows of tiles by vector loads rather than gathers (14x14 with F(4x4): 12% faster)
            cl.kernel(tw == vt ? k.inputVec16() : k.inputLanes()).args(xp, v, ci, hp, wp, th, tw, t, ld, psV).runBounded((t + 15) / 16, ci);
            return new Padded(xp, hp, wp, pad);
        } else if (elementwise) {
            cl.kernel(k.input()).args(in, v, ci, h, wd, pad, th, tw, n0, t, ld, psV).runBounded((long) ci * t);
        } else if (tw >= vt) { // a zero-padded copy first, so that the vector loads need no bounds checks
            int hp = tile * th + 2, wp = tile * tw + 2, count = nb * ci;
            ClBuffer xp = scratch.get("winograd.xp", (long) count * hp * wp);
            cl.kernel(PAD_PLANES_ROWS).args(in, xp, h, wd, pad, n0 * ci, hp, wp, count).runBounded(count);
            cl.kernel(k.inputVec()).args(xp, v, ci, hp, wp, th, tw, t, ld, psV).runBounded((long) nb * th, ci);
        } else {
            cl.kernel(k.inputRows()).args(in, v, ci, h, wd, pad, th, tw, n0, t, ld, psV).runBounded((long) nb * th, ci);
        }
        return null;
    }

    /**
     * out [N][KO][OH][OW] = the 3x3 stride-1 convolution of in [N][CI][H][W] padded by pad; flip: w is [CI][KO][3][3]
     * to turn. Returns in's zero-padded copy where the _lanes path made one of the whole batch, else null.
     */
    private Padded run(Buf in, Buf w, boolean flip, Buf bias, int flags, int n, int ci, int h, int wd, int ko, int pad, Buf out, ClBuffer kept) {
        int oh = h + 2 * pad - 2, ow = wd + 2 * pad - 2, th = tiles(oh), tw = tiles(ow), tiles = th * tw;
        int planes = side * side;
        int step = step(n, ci, ko, tiles);
        int ldMax = ld(step * tiles);
        java.util.function.Consumer<ClBuffer> transform = dst -> cl.kernel(k.filter()).args(w, dst, ko, ci, flip ? 1 : 0).runBounded((long) ko * ci);
        // inference (a forward keeping nothing) keeps the filters' transform while they are unwritten; training
        // writes them every step, so there it would only hold memory
        boolean keep = kept == null && !flip;
        ClBuffer u = keep ? scratch.derived((ClBuffer) w, "winograd.u side=" + side + " ko=" + ko + " ci=" + ci, (long) planes * ko * ci, transform)
                : scratch.get("winograd.u", (long) planes * ko * ci);
        if (!keep) {
            transform.accept(u);
        }
        ClBuffer v = kept != null ? kept : scratch.get("winograd.v", (long) planes * ClConv.paddedLd(ci * ldMax));
        ClBuffer m = scratch.get("winograd.m", (long) planes * ClConv.paddedLd(ko * ldMax));
        Padded padded = null;
        for (int n0 = 0; n0 < n; n0 += step) {
            int nb = Math.min(step, n - n0), t = nb * tiles, ld = ld(t), psV = ClConv.paddedLd(ci * ld), psM = ClConv.paddedLd(ko * ld);
            padded = transformInput(in, v, ci, h, wd, pad, th, tw, n0, nb, t, ld, psV, flip ? "winograd.dyx" : "winograd.xp");
            if (keep) { // the transform's own packed copy may be kept too
                gemm.withWeights(u, () -> gemm.runBatch(planes, false, false, ko, t, ci, 1f, u, 0, ci, ko * ci, v, 0, ld, psV, 0f, m, 0, ld, psM));
            } else {
                gemm.runBatch(planes, false, false, ko, t, ci, 1f, u, 0, ci, ko * ci, v, 0, ld, psV, 0f, m, 0, ld, psM);
            }
            if (lanes(tw)) {
                // whole output rows of a row of exactly one vector of tiles at once (14x14 with F(4x4): 8% faster)
                cl.kernel(tw == vt ? k.outputVec16() : k.outputLanes()).args(m, bias, flags, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .runBounded((t + 15) / 16, ko);
            } else if (elementwise) {
                cl.kernel(k.output()).args(m, bias, flags, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .runBounded((long) ko * t);
            } else if (tw >= vt) {
                cl.kernel(k.outputVec()).args(m, bias, flags, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .runBounded((long) nb * th, ko);
            } else {
                cl.kernel(k.outputRows()).args(m, bias, flags, out, ko, oh, ow, th, tw, n0, t, ld, psM)
                        .runBounded((long) nb * th, ko);
            }
        }
        return step == n ? padded : null;
    }
}
