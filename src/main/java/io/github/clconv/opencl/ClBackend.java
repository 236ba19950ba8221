package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Packed;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Optional;

/**
 * The OpenCL backend: it routes each op (its arguments checked by Backend) to the small class
 * that launches that op family's kernels, convolutions through ConvRouter, which chooses the
 * algorithm per layer shape. Launches are queued on one in-order queue; only download() and
 * finish() wait.
 */
public final class ClBackend extends Backend {
    /** Upper bound for one im2col chunk; bigger batches are convolved in several chunks. */
    public static final long COL_BUDGET_BYTES = 128L << 20;

    private final ClContext cl;
    private final boolean ownsContext;
    private final Scratch scratch;
    private final ClGemm gemm;
    private final ClConv conv;
    private final ConvRouter convs;
    private final ClLinear linear;
    private final ClPool pool;
    private final ClElementwise elementwise;
    private final ClLoss loss;
    private final ClNorm norm;
    private final ClOptim optim;
    private final ClGroupNorm groupNorm;

    /** On device, with its cached GEMM plan and data-movement layout (measured now where it has none). */
    public ClBackend(DeviceInfo device) {
        this(new ClContext(device), null, null, true);
    }

    /** gemmPlan null: the device's (GemmTuner.planFor); elementwise null: its measured data-movement layout (MovementTuner). */
    private ClBackend(ClContext cl, GemmPlan gemmPlan, Boolean elementwise, boolean ownsContext) {
        this.cl = cl;
        this.ownsContext = ownsContext;
        this.scratch = new Scratch(cl);
        this.gemm = new ClGemm(cl, gemmPlan != null ? gemmPlan : GemmTuner.planFor(cl, scratch), scratch);
        this.conv = new ClConv(cl, gemm, scratch, COL_BUDGET_BYTES, elementwise != null ? elementwise : MovementTuner.elementwise(cl, scratch));
        this.elementwise = new ClElementwise(cl, !conv.elementwise());
        this.pool = new ClPool(cl, conv.elementwise());
        this.convs = new ConvRouter(cl, gemm, scratch, conv, COL_BUDGET_BYTES, (y, r) -> this.elementwise.add(y, r, null, y),
                (y, g, pooled, argmax) -> pool.maxForward(y, new PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0), pooled, argmax));
        this.linear = new ClLinear(cl, gemm);
        this.loss = new ClLoss(cl, scratch);
        this.norm = new ClNorm(cl, scratch, conv.elementwise());
        this.optim = new ClOptim(cl);
        this.groupNorm = new ClGroupNorm(cl);
    }

    /** Opens the device a --device value names (auto, gpu, cpu or an index). */
    public static ClBackend open(String deviceSpec) {
        return open(deviceSpec, null, null);
    }

    /**
     * The same with a given GEMM plan (null: the device's own) and convolution data-movement layout, an element
     * (true) or a row (false) per work-item (null: the device's measured one).
     */
    public static ClBackend open(String deviceSpec, GemmPlan plan, Boolean elementwise) {
        return new ClBackend(new ClContext(ClDevices.choose(ClDevices.list(), deviceSpec)), plan, elementwise, true);
    }

    /** A backend on the same context whose GEMM follows another plan (for tuning, tests and benchmarks). */
    public ClBackend withGemmPlan(GemmPlan plan) {
        return new ClBackend(cl, plan, conv.elementwise(), false);
    }

    /** A backend on the same context whose convolution data movement uses the given layout (tests, verify --movement). */
    public ClBackend withMovement(boolean elementwise) {
        return new ClBackend(cl, gemm.plan(), elementwise, false);
    }

    /** Whether the convolution's data movement runs an element per work-item (else a row). */
    public boolean elementwiseMovement() {
        return conv.elementwise();
    }

    /** Copies of weights in kernels' layouts made and reused so far (PackCache; tests). */
    int[] derivedCounts() {
        return scratch.derivedCounts();
    }

    public GemmPlan gemmPlan() {
        return gemm.plan();
    }

    /** c = alpha * op(a) * op(b) + beta * c with one given variant, whatever the plan says (the tuner's and bench's candidates). */
    public void gemmWith(GemmVariant v, boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        gemm.runChecked(v, ta, tb, alpha, a, b, beta, c);
    }

    public ClContext context() {
        return cl;
    }

    /**
     * Forces one convolution algorithm where it applies (auto or a name of convAlgorithms()), instead of
     * the choice measured per layer shape (ConvTuner); returns this.
     */
    public ClBackend convAlgo(String algo) {
        convs.force(algo);
        return this;
    }

    /** The names convAlgo takes: auto and every registered convolution algorithm. */
    public static List<String> convAlgorithms() {
        return ConvRouter.names();
    }

    /** The algorithm conv2d uses for g on this device (measuring it now if it has not been). */
    public String convAlgoFor(ConvGeom g) {
        return convs.label(g);
    }

    @Override
    public Buf zeros(Shape shape) {
        ClBuffer b = cl.alloc(shape);
        elementwise.fill(b, 0f);
        return b;
    }

    @Override
    public Buf upload(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("upload: " + data.length + " values for shape " + shape);
        }
        return cl.allocCopy(shape, data);
    }

    private static ClBuffer cl(Buf b) {
        ClBuffer.of(b);
        return (ClBuffer) b;
    }

    // the routing table: each op to its family's launcher (Backend checked the arguments)
    @Override public String name() { return cl.device().describe(); }
    @Override public long maxBufferBytes() { return cl.device().maxAllocBytes(); }
    @Override public long memoryBytes() { return cl.device().globalMemBytes(); }
    @Override public Optional<Packed> pack(List<Shape> shapes) { return Optional.of(cl.pack(shapes, this::zeros)); }
    @Override public void write(Buf dst, float[] data) { cl.write(cl(dst), data); }
    @Override public float[] download(Buf src) { return cl.read(cl(src)); }
    @Override protected void doCopy(Buf src, Buf dst) { cl.copy(cl(src), 0, cl(dst), 0, src.shape().size()); }
    @Override protected void doFill(Buf dst, float value) { elementwise.fill(dst, value); }
    @Override protected void doGatherRows(Buf src, Buf idx, int offset, Buf dst) { elementwise.gatherRows(src, idx, offset, dst); }
    @Override protected void doCopyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        cl.copy(cl(src), srcOffset, cl(dst), dstOffset, count);
    }
    @Override protected Buf doReshape(Buf b, Shape shape) { return cl(b).view(shape); }
    @Override public void finish() { cl.finish(); }
    @Override protected void doIm2col(Buf x, ConvGeom g, Buf col) { conv.im2col(x, g, col, 0, g.n()); }
    @Override protected void doCol2im(Buf col, ConvGeom g, Buf x) { conv.col2im(col, g, x, 0, g.n()); }
    @Override protected void doGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        gemm.run(ta, tb, m, n, k, alpha, a, b, beta, c);
    }
    @Override public int prepare(Runnable pass, io.github.clconv.backend.Tuning tuning) { return convs.prepare(pass, tuning); }
    @Override protected void doConv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) { convs.forwardOf(g).forward(x, w, bias, g, act, y, null); }
    @Override protected void doConv2dForwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        if (!convs.forwardResidualOf(g).forwardResidual(x, w, bias, g, residual, act, y)) {
            super.doConv2dForwardResidual(x, w, bias, g, residual, act, y);
        }
    }
    @Override protected boolean doConv2dForwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        return convs.forwardMaxPoolOf(g).forwardMaxPool(x, w, bias, g, act, y);
    }
    @Override protected void doConv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias) {
        convs.of(g).backward(x, w, dy, g, dx, dw, dbias, null);
    }
    @Override public Shape convKept(ConvGeom g) { return convs.of(g).keptShape(g); }
    @Override protected void doConv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, Buf kept) {
        convs.of(g).forward(x, w, bias, g, act, y, kept == null ? null : cl(kept));
    }
    @Override protected void doConv2dBackwardKept(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias, Buf kept) {
        convs.of(g).backward(x, w, dy, g, dx, dw, dbias, kept == null ? null : cl(kept));
    }
    @Override protected void doLinearForward(Buf x, Buf w, Buf bias, Buf y) { linear.linearForward(x, w, bias, null, y); }
    @Override protected void doLinearForward(Buf x, Buf w, Buf bias, Activation act, Buf y) {
        if (bias == null) {
            super.doLinearForward(x, w, null, act, y);
        } else {
            linear.linearForward(x, w, bias, act, y);
        }
    }
    @Override protected void doLinearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias) { linear.linearBackward(x, w, dy, dx, dw, dbias); }
    @Override protected void doMaxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax) { pool.maxForward(x, g, y, argmax); }
    @Override protected void doMaxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) { pool.maxBackward(dy, argmax, g, dx); }
    @Override protected void doGlobalAvgPoolForward(Buf x, Buf y) { pool.globalAvgForward(x, y); }
    @Override protected void doGlobalAvgPoolBackward(Buf dy, Buf dx) { pool.globalAvgBackward(dy, dx); }
    @Override protected void doAdaptiveAvgPoolForward(Buf x, Buf y) { pool.adaptiveAvgForward(x, y); }
    @Override protected void doAdaptiveAvgPoolBackward(Buf dy, Buf dx) { pool.adaptiveAvgBackward(dy, dx); }
    @Override protected void doAdd(Buf a, Buf b, Activation act, Buf y) { elementwise.add(a, b, act, y); }
    @Override protected void doCopyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        elementwise.copyChannels(src, srcC0, dst, dstC0, count);
    }
    @Override protected void doAvgPoolForward(Buf x, PoolGeom g, Buf y) { pool.avgForward(x, g, y); }
    @Override protected void doAvgPoolBackward(Buf dy, PoolGeom g, Buf dx) { pool.avgBackward(dy, g, dx); }
    @Override protected void doActivationForward(Activation a, float alpha, Buf x, Buf y) { elementwise.activationForward(a, alpha, x, y); }
    @Override protected void doActivationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        elementwise.activationBackward(a, alpha, x, y, dy, dx);
    }
    @Override protected void doSoftmaxForward(Buf x, Buf y, boolean log) { loss.softmaxForward(x, y, log); }
    @Override protected void doSoftmaxBackward(Buf y, Buf dy, Buf dx, boolean log) { loss.softmaxBackward(y, dy, dx, log); }
    @Override protected void doSoftmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf lossOut) {
        loss.xentForward(logits, labels, smoothing, probs, lossOut);
    }
    @Override protected void doSoftmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        loss.xentBackward(probs, labels, smoothing, dlogits);
    }
    @Override protected void doMseForward(Buf y, Buf target, Buf lossOut) { loss.mseForward(y, target, lossOut); }
    @Override protected void doMseBackward(Buf y, Buf target, Buf dy) { loss.mseBackward(y, target, dy); }
    @Override protected void doDropoutForward(Buf x, float p, long seed, Buf mask, Buf y) { elementwise.dropoutForward(x, p, seed, mask, y); }
    @Override protected void doAugment(Buf x, boolean hflip, int pad, long seed, Buf y) { elementwise.augment(x, hflip, pad, seed, y); }
    @Override protected void doDropoutBackward(Buf dy, Buf mask, Buf dx) { elementwise.dropoutBackward(dy, mask, dx); }
    @Override
    protected void doBatchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                      Buf y, Buf saveMean, Buf saveInvStd) {
        norm.trainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd, null);
    }

    @Override protected void doBatchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        norm.inferForward(x, gamma, beta, runMean, runVar, eps, y, null);
    }
    @Override protected void doBatchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        norm.backward(x, gamma, saveMean, saveInvStd, null, null, dy, dx, dgamma, dbeta);
    }
    @Override
    protected void doBatchNormReluTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                          Buf y, Buf saveMean, Buf saveInvStd, Activation act) {
        norm.trainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd, act);
    }

    @Override protected void doBatchNormReluInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y, Activation act) {
        norm.inferForward(x, gamma, beta, runMean, runVar, eps, y, act);
    }
    @Override protected void doBatchNormReluBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta,
                                                     Activation act) {
        norm.backward(x, gamma, saveMean, saveInvStd, y, act, dy, dx, dgamma, dbeta);
    }
    @Override protected void doPreluForward(Buf x, Buf a, Buf y) { elementwise.preluForward(x, a, y); }
    @Override protected void doPreluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) { elementwise.preluBackward(x, a, dy, dx, da); }
    @Override protected void doGroupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        groupNorm.forward(x, groups, gamma, beta, eps, y, saveMean, saveInvStd);
    }
    @Override protected void doGroupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        groupNorm.backward(x, groups, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);
    }
    @Override protected void doL1Gradient(Buf p, Buf g, float lambda) { optim.l1Gradient(p, g, lambda); }
    @Override protected void doSgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        optim.sgd(p, g, velocity, lr, momentum, weightDecay, nesterov);
    }
    @Override protected void doAdagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps) {
        optim.adagrad(p, g, sumSq, lr, weightDecay, eps);
    }
    @Override protected void doAdamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay,
                                          boolean decoupled, int step) {
        optim.adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override public int liveBuffers() { return cl.liveBuffers(); }

    @Override
    public void close() {
        scratch.close();
        if (ownsContext) {
            cl.close();
        }
    }
}
