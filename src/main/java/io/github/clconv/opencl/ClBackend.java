package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.Checks;
import io.github.clconv.backend.Packed;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenCL backend. It checks arguments (the same rules as the reference) and routes
 * each op to the small class that launches that op family's kernels. Launches are
 * queued on one in-order queue; only download() and finish() wait.
 */
public final class ClBackend implements Backend {
    /** Upper bound for one im2col chunk; bigger batches are convolved in several chunks. */
    public static final long COL_BUDGET_BYTES = 128L << 20;

    private final ClContext cl;
    private final Scratch scratch;
    private final ClGemm gemm;
    private final ClConv conv;
    private final ClLinear linear;
    private final ConvRouter convs;
    private final ClPool pool;
    private final ClElementwise elementwise;
    private final ClLoss loss;
    private final ClNorm norm;
    private final ClOptim optim;
    private final ClGroupNorm groupNorm;

    private final boolean ownsContext;

    public ClBackend(DeviceInfo device) {
        this(device, null);
    }

    /** plan null: the device's cached plan, or a quick probe's. */
    public ClBackend(DeviceInfo device, GemmPlan plan) {
        this(new ClContext(device), plan, null, COL_BUDGET_BYTES, true);
    }

    /** plan null: the device's cached plan, or a quick probe's when it has none (GemmTuner.planFor). */
    private ClBackend(ClContext cl, GemmPlan gemmPlan, long colBudgetBytes, boolean ownsContext) {
        this(cl, gemmPlan, null, colBudgetBytes, ownsContext);
    }

    /** elementwise null: the device's measured data-movement layout (MovementTuner). */
    private ClBackend(ClContext cl, GemmPlan gemmPlan, Boolean elementwise, long colBudgetBytes, boolean ownsContext) {
        this.cl = cl;
        this.ownsContext = ownsContext;
        this.scratch = new Scratch(cl);
        this.gemm = new ClGemm(cl, gemmPlan != null ? gemmPlan : GemmTuner.planFor(cl, scratch), scratch);
        this.conv = new ClConv(cl, gemm, scratch, colBudgetBytes, elementwise != null ? elementwise : MovementTuner.elementwise(cl, scratch));
        this.linear = new ClLinear(cl, gemm);
        this.convs = new ConvRouter(cl, gemm, scratch, conv, colBudgetBytes);
        this.pool = new ClPool(cl, conv.elementwise());
        this.elementwise = new ClElementwise(cl);
        this.loss = new ClLoss(cl, scratch);
        this.norm = new ClNorm(cl, conv.elementwise());
        this.optim = new ClOptim(cl);
        this.groupNorm = new ClGroupNorm(cl);
    }

    /** Opens the device a --device value names (auto, gpu, cpu or an index). */
    public static ClBackend open(String deviceSpec) {
        return open(deviceSpec, null);
    }

    /** The same with a given GEMM plan (null: the device's own). */
    public static ClBackend open(String deviceSpec, GemmPlan plan) {
        return open(deviceSpec, plan, null);
    }

    /** elementwise: the convolution data-movement layout, element (true) or row (false) per work-item; null: the device's measured one. */
    public static ClBackend open(String deviceSpec, GemmPlan plan, Boolean elementwise) {
        return new ClBackend(new ClContext(ClDevices.choose(ClDevices.list(), deviceSpec)), plan, elementwise, COL_BUDGET_BYTES, true);
    }

    /** A backend on the same device and context whose GEMM follows another plan (for tuning, tests and benchmarks). */
    public ClBackend withGemmPlan(GemmPlan plan) {
        return new ClBackend(cl, plan, COL_BUDGET_BYTES, false);
    }

    /** A backend on the same context whose convolution data movement uses the given layout (tests, verify --movement). */
    public ClBackend withMovement(boolean elementwise) {
        return new ClBackend(cl, gemm.plan(), elementwise, COL_BUDGET_BYTES, false);
    }

    /** Whether the convolution's data movement runs an element per work-item (else a row). */
    public boolean elementwiseMovement() {
        return conv.elementwise();
    }

    public GemmPlan gemmPlan() {
        return gemm.plan();
    }

    /** c = alpha * op(a) * op(b) + beta * c with one given variant, whatever the plan says (the tuner's and bench's candidates). */
    public void gemmWith(GemmVariant v, boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        int[] mnk = Checks.gemm(ta, tb, alpha, a, b, beta, c);
        int m = mnk[0], n = mnk[1], k = mnk[2];
        gemm.run(v, ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    }

    public ClContext context() {
        return cl;
    }

    @Override
    public String name() {
        return cl.device().describe();
    }

    @Override
    public long maxBufferBytes() {
        return cl.device().maxAllocBytes();
    }

    @Override
    public long memoryBytes() {
        return cl.device().globalMemBytes();
    }

    @Override
    public Buf zeros(Shape shape) {
        ClBuffer b = cl.alloc(shape);
        elementwise.fill(b, 0f);
        return b;
    }

    @Override
    public Optional<Packed> pack(List<Shape> shapes) {
        long align = cl.sliceAlignment(), total = 0;
        long[] offsets = new long[shapes.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = total;
            total += (shapes.get(i).size() + align - 1) / align * align;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pack: " + total + " elements do not fit one buffer");
        }
        ClBuffer flat = (ClBuffer) zeros(Shape.of((int) Math.max(total, 1)));
        List<Buf> parts = new ArrayList<>();
        try {
            for (int i = 0; i < offsets.length; i++) {
                parts.add(cl.slice(flat, offsets[i], shapes.get(i)));
            }
        } catch (RuntimeException e) {
            parts.forEach(Buf::close);
            flat.close();
            throw e;
        }
        return Optional.of(new Packed(flat, parts));
    }

    @Override
    public Buf upload(Shape shape, float[] data) {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("upload: " + data.length + " values for shape " + shape);
        }
        ClBuffer b = cl.alloc(shape);
        cl.write(b, data);
        return b;
    }

    @Override
    public void write(Buf dst, float[] data) {
        cl.write(cl(dst), data);
    }

    @Override
    public float[] download(Buf src) {
        return cl.read(cl(src));
    }

    private static ClBuffer cl(Buf b) {
        ClBuffer.of(b);
        return (ClBuffer) b;
    }

    @Override
    public void copy(Buf src, Buf dst) {
        Checks.sameSize("copy", "source", src, "destination", dst);
        cl.copy(cl(src), 0, cl(dst), 0, src.shape().size());
    }

    @Override
    public void fill(Buf dst, float value) {
        Checks.finite("fill", "value", value);
        elementwise.fill(dst, value);
    }

    @Override
    public void gatherRows(Buf src, Buf idx, int offset, Buf dst) {
        Checks.gather(src, idx, offset, dst);
        elementwise.gatherRows(src, idx, offset, dst);
    }

    @Override
    public void copyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        Checks.range(src, srcOffset, dst, dstOffset, count);
        cl.copy(cl(src), srcOffset, cl(dst), dstOffset, count);
    }

    @Override
    public Buf reshape(Buf b, Shape shape) {
        Checks.reshape(b, shape);
        return cl(b).view(shape);
    }

    @Override
    public void finish() {
        cl.finish();
    }

    @Override
    public void im2col(Buf x, ConvGeom g, Buf col) {
        Checks.im2col(g, x, col);
        conv.im2col(x, g, col, 0, g.n());
    }

    @Override
    public void col2im(Buf col, ConvGeom g, Buf x) {
        Checks.im2col(g, x, col);
        conv.col2im(col, g, x, 0, g.n());
    }

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        int[] mnk = Checks.gemm(ta, tb, alpha, a, b, beta, c);
        gemm.run(ta, tb, mnk[0], mnk[1], mnk[2], alpha, a, b, beta, c);
    }

    /**
     * Forces one convolution algorithm where it applies (auto, im2col, winograd2, winograd4, direct), instead of
     * the choice measured per layer shape (ConvTuner); returns this.
     */
    public ClBackend convAlgo(String algo) {
        convs.force(ConvTuner.parse(algo));
        return this;
    }

    @Override
    public int prepare(Runnable pass, io.github.clconv.backend.Tuning tuning) {
        return convs.prepare(pass, tuning);
    }

    /** The algorithm conv2d uses for g on this device (measuring it now if it has not been). */
    public String convAlgoFor(ConvGeom g) {
        return convs.label(g);
    }

    @Override
    public void conv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y) {
        Checks.conv(g, x, w, bias, y);
        convs.of(g).forward(x, w, bias, g, y, null);
    }

    @Override
    public void conv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias) {
        Checks.convBackward(g, x, w, dy, dx, dw, dbias);
        convs.of(g).backward(x, w, dy, g, dx, dw, dbias, null);
    }

    @Override
    public Shape convKept(ConvGeom g) {
        return convs.of(g).keptShape(g);
    }

    @Override
    public void conv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Buf y, Buf kept) {
        ConvAlgorithm a = convs.of(g);
        Shape k = a.keptShape(g);
        Checks.conv(g, x, w, bias, y);
        if (k != null) {
            Checks.shape("conv2d", "kept", kept, k);
        }
        a.forward(x, w, bias, g, y, k == null ? null : cl(kept));
    }

    @Override
    public void conv2dBackwardKept(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias, Buf kept) {
        ConvAlgorithm a = convs.of(g);
        Shape k = a.keptShape(g);
        Checks.convBackward(g, x, w, dy, dx, dw, dbias);
        if (k != null) {
            Checks.shape("conv2d backward", "kept", kept, k);
        }
        a.backward(x, w, dy, g, dx, dw, dbias, k == null ? null : cl(kept));
    }

    @Override
    public void linearForward(Buf x, Buf w, Buf bias, Buf y) {
        Checks.linear(x, w, bias, y);
        linear.linearForward(x, w, bias, y);
    }

    @Override
    public void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias) {
        Checks.linearBackward(x, w, dy, dx, dw, dbias);
        linear.linearBackward(x, w, dy, dx, dw, dbias);
    }

    @Override
    public void maxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax) {
        Checks.pool("maxpool2d", g, x, y);
        Checks.shape("maxpool2d", "argmax", argmax, g.output());
        pool.maxForward(x, g, y, argmax);
    }

    @Override
    public void maxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) {
        Checks.pool("maxpool2d backward", g, dx, dy);
        Checks.shape("maxpool2d backward", "argmax", argmax, g.output());
        pool.maxBackward(dy, argmax, g, dx);
    }

    @Override
    public void globalAvgPoolForward(Buf x, Buf y) {
        Checks.globalAvgPool("globalavgpool", x, y);
        pool.globalAvgForward(x, y);
    }

    @Override
    public void globalAvgPoolBackward(Buf dy, Buf dx) {
        Checks.globalAvgPool("globalavgpool backward", dx, dy);
        pool.globalAvgBackward(dy, dx);
    }

    @Override
    public void add(Buf a, Buf b, Buf y) {
        Checks.elementwise("add", a, b, y);
        elementwise.add(a, b, y);
    }

    @Override
    public void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        Checks.copyChannels(src, srcC0, dst, dstC0, count);
        elementwise.copyChannels(src, srcC0, dst, dstC0, count);
    }

    @Override
    public void avgPoolForward(Buf x, PoolGeom g, Buf y) {
        Checks.pool("avgpool2d", g, x, y);
        pool.avgForward(x, g, y);
    }

    @Override
    public void avgPoolBackward(Buf dy, PoolGeom g, Buf dx) {
        Checks.pool("avgpool2d backward", g, dx, dy);
        pool.avgBackward(dy, g, dx);
    }

    @Override
    public void activationForward(Activation a, float alpha, Buf x, Buf y) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT), x, y);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        elementwise.activationForward(a, alpha, x, y);
    }

    @Override
    public void activationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT) + " backward", x, y, dy, dx);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        elementwise.activationBackward(a, alpha, x, y, dy, dx);
    }

    @Override
    public void softmaxForward(Buf x, Buf y, boolean log) {
        Checks.rows("softmax", x);
        Checks.elementwise("softmax", x, y);
        loss.softmaxForward(x, y, log);
    }

    @Override
    public void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        Checks.rows("softmax backward", y);
        Checks.elementwise("softmax backward", y, dy, dx);
        loss.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void softmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf lossOut) {
        Checks.labels("softmax_xent", logits, labels);
        Checks.elementwise("softmax_xent", logits, probs);
        Checks.shape("softmax_xent", "loss", lossOut, Shape.of(1));
        Checks.range("softmax_xent", "label smoothing", smoothing, 0, 1);
        loss.xentForward(logits, labels, smoothing, probs, lossOut);
    }

    @Override
    public void softmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        Checks.labels("softmax_xent backward", probs, labels);
        Checks.elementwise("softmax_xent backward", probs, dlogits);
        Checks.range("softmax_xent backward", "label smoothing", smoothing, 0, 1);
        loss.xentBackward(probs, labels, smoothing, dlogits);
    }

    @Override
    public void mseForward(Buf y, Buf target, Buf lossOut) {
        Checks.elementwise("mse", y, target);
        Checks.shape("mse", "loss", lossOut, Shape.of(1));
        loss.mseForward(y, target, lossOut);
    }

    @Override
    public void mseBackward(Buf y, Buf target, Buf dy) {
        Checks.elementwise("mse backward", y, target, dy);
        loss.mseBackward(y, target, dy);
    }

    @Override
    public void dropoutForward(Buf x, float p, long seed, Buf mask, Buf y) {
        Checks.dropout(x, p, mask, y);
        elementwise.dropoutForward(x, p, seed, mask, y);
    }

    @Override
    public void augment(Buf x, boolean hflip, int pad, long seed, Buf y) {
        Checks.augment(x, pad, y);
        elementwise.augment(x, hflip, pad, seed, y);
    }

    @Override
    public void dropoutBackward(Buf dy, Buf mask, Buf dx) {
        Checks.elementwise("dropout backward", dy, mask, dx);
        elementwise.dropoutBackward(dy, mask, dx);
    }

    @Override
    public void batchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                      Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar, saveMean, saveInvStd);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", momentum, eps);
        norm.trainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd, false);
    }

    @Override
    public void batchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", 0, eps);
        norm.inferForward(x, gamma, beta, runMean, runVar, eps, y, false);
    }

    @Override
    public void batchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.batchNorm("batchnorm backward", x, gamma, saveMean, saveInvStd, dgamma, dbeta);
        Checks.elementwise("batchnorm backward", x, dy, dx);
        norm.backward(x, gamma, saveMean, saveInvStd, null, dy, dx, dgamma, dbeta);
    }

    @Override
    public void batchNormReluTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                          Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.batchNorm("batchnorm_relu", x, gamma, beta, runMean, runVar, saveMean, saveInvStd);
        Checks.elementwise("batchnorm_relu", x, y);
        Checks.batchNormHyper("batchnorm_relu", momentum, eps);
        norm.trainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd, true);
    }

    @Override
    public void batchNormReluInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        Checks.batchNorm("batchnorm_relu", x, gamma, beta, runMean, runVar);
        Checks.elementwise("batchnorm_relu", x, y);
        Checks.batchNormHyper("batchnorm_relu", 0, eps);
        norm.inferForward(x, gamma, beta, runMean, runVar, eps, y, true);
    }

    @Override
    public void batchNormReluBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.batchNorm("batchnorm_relu backward", x, gamma, saveMean, saveInvStd, dgamma, dbeta);
        Checks.elementwise("batchnorm_relu backward", x, y, dy, dx);
        norm.backward(x, gamma, saveMean, saveInvStd, y, dy, dx, dgamma, dbeta);
    }

    @Override
    public void preluForward(Buf x, Buf a, Buf y) {
        Checks.prelu("prelu forward", x, a);
        Checks.elementwise("prelu forward", x, y);
        elementwise.preluForward(x, a, y);
    }

    @Override
    public void preluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) {
        Checks.prelu("prelu backward", x, a, da);
        Checks.elementwise("prelu backward", x, dy, dx);
        elementwise.preluBackward(x, a, dy, dx, da);
    }

    @Override
    public void groupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.groupNorm("groupnorm forward", x, groups, gamma, beta, saveMean, saveInvStd);
        Checks.elementwise("groupnorm forward", x, y);
        Checks.batchNormHyper("groupnorm forward", 0f, eps);
        groupNorm.forward(x, groups, gamma, beta, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void groupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.groupNorm("groupnorm backward", x, groups, gamma, dgamma, saveMean, saveInvStd);
        Checks.elementwise("groupnorm backward", x, dy, dx);
        Checks.shape("groupnorm backward", "dbeta", dbeta, gamma.shape());
        groupNorm.backward(x, groups, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);
    }

    @Override
    public void l1Gradient(Buf p, Buf g, float lambda) {
        Checks.l1(p, g, lambda);
        optim.l1Gradient(p, g, lambda);
    }

    @Override
    public void sgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        Checks.sgd(p, g, velocity, lr, momentum, weightDecay);
        optim.sgd(p, g, velocity, lr, momentum, weightDecay, nesterov);
    }

    @Override
    public void adagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps) {
        Checks.optimiser("adagrad", p, g, sumSq, lr, weightDecay);
        Checks.finite("adagrad", "eps", eps);
        optim.adagrad(p, g, sumSq, lr, weightDecay, eps);
    }

    @Override
    public void adamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                           int step) {
        Checks.adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step);
        optim.adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    public int liveBuffers() {
        return cl.liveBuffers();
    }

    @Override
    public void close() {
        scratch.close();
        if (ownsContext) {
            cl.close();
        }
    }
}
