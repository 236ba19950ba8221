package io.github.clconv.backend;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Optional;

/**
 * Every operation a network needs, forward and backward. Outputs are written into
 * buffers the caller owns (nothing is allocated per call), and backward ops overwrite
 * their gradient outputs rather than accumulate. Integer data (labels, indices) travel
 * as float-coded integers, exact below 2^24.
 *
 * <p>Each op is a final method that checks its arguments (Checks: shapes, ranges, finite
 * hyper-parameters) and then calls the implementation's protected {@code doOp}: the rules are
 * written once for every backend and no caller can reach an implementation unchecked.
 */
public abstract class Backend implements AutoCloseable {
    public abstract String name();

    // memory
    public abstract Buf zeros(Shape shape);

    public abstract Buf upload(Shape shape, float[] data);

    /** Labels as float-coded integers; each must lie in [0, classes). */
    public Buf uploadLabels(int[] labels, int classes) {
        float[] f = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("labels: label " + labels[i] + " at index " + i + " is out of range [0, " + classes + ")");
            }
            f[i] = labels[i];
        }
        return upload(Shape.of(labels.length), f);
    }

    /**
     * Zeroed tensors of these shapes carved from one flat allocation, so that an optimiser can
     * update every parameter with one launch over the flat buffer. Empty when the backend keeps
     * each tensor apart, as the reference does (it has no launches to save).
     */
    public Optional<Packed> pack(List<Shape> shapes) {
        return Optional.empty();
    }

    public abstract void write(Buf dst, float[] data);

    /** The most bytes one buffer may hold (unbounded for the reference). */
    public long maxBufferBytes() {
        return Long.MAX_VALUE;
    }

    /** The device's memory in bytes (for the reference: the JVM's heap limit). */
    public long memoryBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Runs pass (a model's forward pass at the batch it will train with) so that every choice
     * the backend makes by measurement for it (a convolution algorithm per layer shape) is made
     * now, telling tuning of each; returns how many were measured (0: all were known).
     */
    public int prepare(Runnable pass, Tuning tuning) {
        pass.run();
        return 0;
    }

    public abstract float[] download(Buf src);

    public final void copy(Buf src, Buf dst) {
        Checks.sameSize("copy", "source", src, "destination", dst);
        doCopy(src, dst);
    }

    protected abstract void doCopy(Buf src, Buf dst);

    public final void fill(Buf dst, float value) {
        Checks.finite("fill", "value", value);
        doFill(dst, value);
    }

    protected abstract void doFill(Buf dst, float value);

    /** dst[i, :] = src[idx[offset + i], :] for the rows of a [rows, ...] tensor; idx float-coded. */
    public final void gatherRows(Buf src, Buf idx, int offset, Buf dst) {
        Checks.gather(src, idx, offset, dst);
        doGatherRows(src, idx, offset, dst);
    }

    protected abstract void doGatherRows(Buf src, Buf idx, int offset, Buf dst);

    /** dst[dstOffset .. +count] = src[srcOffset .. +count], in elements. */
    public final void copyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        Checks.range(src, srcOffset, dst, dstOffset, count);
        doCopyRange(src, srcOffset, dst, dstOffset, count);
    }

    protected abstract void doCopyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count);

    /** The same storage seen with another shape of the same size; close it like any buffer. */
    public final Buf reshape(Buf b, Shape shape) {
        Checks.reshape(b, shape);
        return doReshape(b, shape);
    }

    protected abstract Buf doReshape(Buf b, Shape shape);

    /** Waits until every queued operation has finished. */
    public abstract void finish();

    // linear algebra
    /** col [C*R*S, N*OH*OW] from x [N,C,H,W]; zero where the window hangs over the padding. */
    public final void im2col(Buf x, ConvGeom g, Buf col) {
        Checks.im2col(g, x, col);
        doIm2col(x, g, col);
    }

    protected abstract void doIm2col(Buf x, ConvGeom g, Buf col);

    /** The adjoint of im2col: x[n,c,h,w] = sum of the col entries that read it. */
    public final void col2im(Buf col, ConvGeom g, Buf x) {
        Checks.im2col(g, x, col);
        doCol2im(col, g, x);
    }

    protected abstract void doCol2im(Buf col, ConvGeom g, Buf x);

    /** c = alpha * op(a) * op(b) + beta * c for row-major 2-d buffers; op transposes when asked. */
    public final void gemm(boolean transA, boolean transB, float alpha, Buf a, Buf b, float beta, Buf c) {
        int[] mnk = Checks.gemm(transA, transB, alpha, a, b, beta, c);
        doGemm(transA, transB, mnk[0], mnk[1], mnk[2], alpha, a, b, beta, c);
    }

    /** The product of gemm for op(a) [m, k] and op(b) [k, n]. */
    protected abstract void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c);

    public final void conv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y) {
        conv2dForward(x, w, bias, g, null, y);
    }

    /**
     * y = act(conv(x, w) + bias), act null, RELU or RELU6: on the device the activation is the
     * convolution's epilogue, applied as y is stored, so no pass of its own reads y back.
     */
    public final void conv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        Checks.conv(g, x, w, bias, y);
        Checks.epilogue("conv2d", act);
        doConv2dForward(x, w, bias, g, act, y);
    }

    protected abstract void doConv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y);

    /**
     * y = act(conv(x, w) + bias + residual): a residual block's convolution, its add and the
     * add's ReLU at inference (Graph, where a convolution's output is read by an add alone). On
     * the device the add is the convolution's epilogue where its algorithm has one. residual has
     * y's shape and is not y (it may be x: y = conv(x) + x).
     */
    public final void conv2dForwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        Checks.conv(g, x, w, bias, y);
        Checks.epilogue("conv2d", act);
        Checks.elementwise("conv2d residual", y, residual);
        if (residual == y) {
            throw new IllegalArgumentException("conv2d residual: the residual must not be the output buffer");
        }
        doConv2dForwardResidual(x, w, bias, g, residual, act, y);
    }

    /** The convolution, then the add (and its activation) over y in place. */
    protected void doConv2dForwardResidual(Buf x, Buf w, Buf bias, ConvGeom g, Buf residual, Activation act, Buf y) {
        doConv2dForward(x, w, bias, g, null, y);
        doAdd(y, residual, act, y);
    }

    /**
     * y = maxpool2x2(act(conv(x, w) + bias)), the pool 2x2 with stride 2 and no padding over the
     * convolution's output (y [N, K, OH/2, OW/2]): a conv-relu-maxpool(2) at inference
     * (Sequential), the pool done as the convolution stores where the backend's algorithm for g
     * can. Returns false, having done nothing, where it cannot: the caller then runs the
     * convolution and the pool apart.
     */
    public final boolean conv2dForwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        Checks.convMaxPool(g, x, w, bias, y);
        Checks.epilogue("conv2d", act);
        return doConv2dForwardMaxPool(x, w, bias, g, act, y);
    }

    /** None by default. */
    protected boolean doConv2dForwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        return false;
    }

    /** dx may be null (the first layer needs none). */
    public final void conv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias) {
        Checks.convBackward(g, x, w, dy, dx, dw, dbias);
        doConv2dBackward(x, w, dy, g, dx, dw, dbias);
    }

    protected abstract void doConv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias);

    /**
     * The shape of what this backend can keep from a training forward pass for the backward
     * pass of the same input (on the device: x's im2col matrix, which backward would otherwise
     * recompute), or null when it keeps nothing for g.
     */
    public Shape convKept(ConvGeom g) {
        return null;
    }

    /** conv2dForward that also fills kept (a buffer of shape convKept(g)) for conv2dBackwardKept. */
    public final void conv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Buf y, Buf kept) {
        conv2dForwardKeeping(x, w, bias, g, null, y, kept);
    }

    /** The same with act as the epilogue (conv2dForward's); backward then takes the gradient after the activation's mask. */
    public final void conv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, Buf kept) {
        Checks.conv(g, x, w, bias, y);
        Checks.epilogue("conv2d", act);
        Shape k = convKept(g);
        if (k != null) {
            Checks.shape("conv2d", "kept", kept, k);
        }
        doConv2dForwardKeeping(x, w, bias, g, act, y, k == null ? null : kept);
    }

    /** kept is null where convKept(g) is. */
    protected void doConv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y, Buf kept) {
        doConv2dForward(x, w, bias, g, act, y);
    }

    /** conv2dBackward for the x, g and kept of the last conv2dForwardKeeping (kept is left unchanged). */
    public final void conv2dBackwardKept(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias, Buf kept) {
        Checks.convBackward(g, x, w, dy, dx, dw, dbias);
        Shape k = convKept(g);
        if (k != null) {
            Checks.shape("conv2d backward", "kept", kept, k);
        }
        doConv2dBackwardKept(x, w, dy, g, dx, dw, dbias, k == null ? null : kept);
    }

    protected void doConv2dBackwardKept(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias, Buf kept) {
        doConv2dBackward(x, w, dy, g, dx, dw, dbias);
    }

    /** y [N,OUT] = x [N,IN] * w[OUT,IN]^T + bias. */
    public final void linearForward(Buf x, Buf w, Buf bias, Buf y) {
        Checks.linear(x, w, bias, y);
        doLinearForward(x, w, bias, y);
    }

    protected abstract void doLinearForward(Buf x, Buf w, Buf bias, Buf y);

    /**
     * y = act(x w^T + bias): a ReLU or ReLU6 that alone reads a linear layer's output, applied as the
     * bias is added (Fusion), where the device does it in the same pass.
     */
    public final void linearForward(Buf x, Buf w, Buf bias, Activation act, Buf y) {
        Checks.linear(x, w, bias, y);
        Checks.epilogue("linear", act);
        doLinearForward(x, w, bias, act, y);
    }

    /** The product and bias, then the activation over y in place. */
    protected void doLinearForward(Buf x, Buf w, Buf bias, Activation act, Buf y) {
        doLinearForward(x, w, bias, y);
        if (act != null) {
            doActivationForward(act, 0f, y, y);
        }
    }

    public final void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias) {
        Checks.linearBackward(x, w, dy, dx, dw, dbias);
        doLinearBackward(x, w, dy, dx, dw, dbias);
    }

    protected abstract void doLinearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias);

    // pooling
    /** argmax receives, per output, the index h*W+w of the winner in its input plane. */
    public final void maxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax) {
        Checks.pool("maxpool2d", g, x, y);
        Checks.shape("maxpool2d", "argmax", argmax, g.output());
        doMaxPoolForward(x, g, y, argmax);
    }

    protected abstract void doMaxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax);

    public final void maxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) {
        Checks.pool("maxpool2d backward", g, dx, dy);
        Checks.shape("maxpool2d backward", "argmax", argmax, g.output());
        doMaxPoolBackward(dy, argmax, g, dx);
    }

    protected abstract void doMaxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx);

    /** Divides by kernel*kernel, padding included (PyTorch's count_include_pad=True). */
    public final void avgPoolForward(Buf x, PoolGeom g, Buf y) {
        Checks.pool("avgpool2d", g, x, y);
        doAvgPoolForward(x, g, y);
    }

    protected abstract void doAvgPoolForward(Buf x, PoolGeom g, Buf y);

    public final void avgPoolBackward(Buf dy, PoolGeom g, Buf dx) {
        Checks.pool("avgpool2d backward", g, dx, dy);
        doAvgPoolBackward(dy, g, dx);
    }

    protected abstract void doAvgPoolBackward(Buf dy, PoolGeom g, Buf dx);

    /** y [N, C] = the mean of each H x W plane of x [N, C, H, W] (PyTorch's adaptive_avg_pool2d(x, 1), flattened). */
    public final void globalAvgPoolForward(Buf x, Buf y) {
        Checks.globalAvgPool("globalavgpool", x, y);
        doGlobalAvgPoolForward(x, y);
    }

    protected abstract void doGlobalAvgPoolForward(Buf x, Buf y);
    /** dx [N, C, H, W] = dy [N, C] / (H*W) over each plane. */
    /** x [N, C, H, W] to y [N, C, OH, OW] (the output size is y's): PyTorch's AdaptiveAvgPool2d. */
    public final void adaptiveAvgPoolForward(Buf x, Buf y) {
        Checks.adaptiveAvgPool("adaptiveavgpool", x, y);
        doAdaptiveAvgPoolForward(x, y);
    }

    protected abstract void doAdaptiveAvgPoolForward(Buf x, Buf y);

    public final void adaptiveAvgPoolBackward(Buf dy, Buf dx) {
        Checks.adaptiveAvgPool("adaptiveavgpool backward", dx, dy);
        doAdaptiveAvgPoolBackward(dy, dx);
    }

    protected abstract void doAdaptiveAvgPoolBackward(Buf dy, Buf dx);

    public final void globalAvgPoolBackward(Buf dy, Buf dx) {
        Checks.globalAvgPool("globalavgpool backward", dx, dy);
        doGlobalAvgPoolBackward(dy, dx);
    }

    protected abstract void doGlobalAvgPoolBackward(Buf dy, Buf dx);
    // element-wise
    /** y = a + b; y may be a or b (a residual sum, a gradient that reaches a tensor along two paths). */
    public final void add(Buf a, Buf b, Buf y) {
        add(a, b, null, y);
    }

    /** y = act(a + b), act null, RELU or RELU6 (a residual block's add and its ReLU in one pass). */
    public final void add(Buf a, Buf b, Activation act, Buf y) {
        Checks.elementwise("add", a, b, y);
        Checks.epilogue("add", act);
        doAdd(a, b, act, y);
    }

    protected abstract void doAdd(Buf a, Buf b, Activation act, Buf y);
    /**
     * dst[n, dstC0 + c, ...] = src[n, srcC0 + c, ...] for c in [0, count): a channel slice, for
     * concatenation along channels and for splitting its gradient.
     */
    public final void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        Checks.copyChannels(src, srcC0, dst, dstC0, count);
        doCopyChannels(src, srcC0, dst, dstC0, count);
    }

    protected abstract void doCopyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count);
    public final void activationForward(Activation a, float alpha, Buf x, Buf y) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT), x, y);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        doActivationForward(a, alpha, x, y);
    }

    protected abstract void doActivationForward(Activation a, float alpha, Buf x, Buf y);

    public final void activationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT) + " backward", x, y, dy, dx);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        doActivationBackward(a, alpha, x, y, dy, dx);
    }

    protected abstract void doActivationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx);

    /** Softmax (or log-softmax) over the last axis of a [N, C] tensor. */
    public final void softmaxForward(Buf x, Buf y, boolean log) {
        Checks.rows("softmax", x);
        Checks.elementwise("softmax", x, y);
        doSoftmaxForward(x, y, log);
    }

    protected abstract void doSoftmaxForward(Buf x, Buf y, boolean log);

    public final void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        Checks.rows("softmax backward", y);
        Checks.elementwise("softmax backward", y, dy, dx);
        doSoftmaxBackward(y, dy, dx, log);
    }

    protected abstract void doSoftmaxBackward(Buf y, Buf dy, Buf dx, boolean log);

    // losses: loss is a [1] buffer holding the mean over the batch
    /** smoothing in [0, 1): label smoothing as torch's CrossEntropyLoss(label_smoothing=...). */
    public final void softmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss) {
        Checks.labels("softmax_xent", logits, labels);
        Checks.elementwise("softmax_xent", logits, probs);
        Checks.shape("softmax_xent", "loss", loss, Shape.of(1));
        Checks.range("softmax_xent", "label smoothing", smoothing, 0, 1);
        doSoftmaxXentForward(logits, labels, smoothing, probs, loss);
    }

    protected abstract void doSoftmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss);

    public final void softmaxXentForward(Buf logits, Buf labels, Buf probs, Buf loss) {
        softmaxXentForward(logits, labels, 0f, probs, loss);
    }

    public final void softmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        Checks.labels("softmax_xent backward", probs, labels);
        Checks.elementwise("softmax_xent backward", probs, dlogits);
        Checks.range("softmax_xent backward", "label smoothing", smoothing, 0, 1);
        doSoftmaxXentBackward(probs, labels, smoothing, dlogits);
    }

    protected abstract void doSoftmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits);

    public final void softmaxXentBackward(Buf probs, Buf labels, Buf dlogits) {
        softmaxXentBackward(probs, labels, 0f, dlogits);
    }

    public final void mseForward(Buf y, Buf target, Buf loss) {
        Checks.elementwise("mse", y, target);
        Checks.shape("mse", "loss", loss, Shape.of(1));
        doMseForward(y, target, loss);
    }

    protected abstract void doMseForward(Buf y, Buf target, Buf loss);

    public final void mseBackward(Buf y, Buf target, Buf dy) {
        Checks.elementwise("mse backward", y, target, dy);
        doMseBackward(y, target, dy);
    }

    protected abstract void doMseBackward(Buf y, Buf target, Buf dy);

    // dropout: mask holds 0 or 1/(1-p), drawn from Philox4x32-10 keyed by seed
    public final void dropoutForward(Buf x, float p, long seed, Buf mask, Buf y) {
        Checks.dropout(x, p, mask, y);
        doDropoutForward(x, p, seed, mask, y);
    }

    protected abstract void doDropoutForward(Buf x, float p, long seed, Buf mask, Buf y);

    public final void dropoutBackward(Buf dy, Buf mask, Buf dx) {
        Checks.elementwise("dropout backward", dy, mask, dx);
        doDropoutBackward(dy, mask, dx);
    }

    protected abstract void doDropoutBackward(Buf dy, Buf mask, Buf dx);

    /**
     * y = a random horizontal flip (when hflip) and a random crop after zero padding of pad
     * of each image of x [N, C, H, W], drawn from Philox under seed: the same on every backend.
     */
    public final void augment(Buf x, boolean hflip, int pad, long seed, Buf y) {
        Checks.augment(x, pad, y);
        doAugment(x, hflip, pad, seed, y);
    }

    protected abstract void doAugment(Buf x, boolean hflip, int pad, long seed, Buf y);

    // batch normalisation over [N, C] or [N, C, H, W], statistics per channel C
    public final void batchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
            Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar, saveMean, saveInvStd);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", momentum, eps);
        doBatchNormTrainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd);
    }

    protected abstract void doBatchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps, Buf y, Buf saveMean, Buf saveInvStd);

    public final void batchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", 0, eps);
        doBatchNormInferForward(x, gamma, beta, runMean, runVar, eps, y);
    }

    protected abstract void doBatchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y);

    public final void batchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.batchNorm("batchnorm backward", x, gamma, saveMean, saveInvStd, dgamma, dbeta);
        Checks.elementwise("batchnorm backward", x, dy, dx);
        doBatchNormBackward(x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);
    }

    protected abstract void doBatchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta);

    /** batchNormTrainForward then act (ReLU or ReLU6) on y: one pass over the data where the backend fuses them. */
    public final void batchNormReluTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
            Buf y, Buf saveMean, Buf saveInvStd, Activation act) {
        Checks.batchNorm("batchnorm_relu", x, gamma, beta, runMean, runVar, saveMean, saveInvStd);
        Checks.elementwise("batchnorm_relu", x, y);
        Checks.batchNormHyper("batchnorm_relu", momentum, eps);
        Checks.fusedActivation("batchnorm_relu", act);
        doBatchNormReluTrainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd, act);
    }

    protected void doBatchNormReluTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
            Buf y, Buf saveMean, Buf saveInvStd, Activation act) {
        batchNormTrainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd);
        activationForward(act, 0f, y, y);
    }

    public final void batchNormReluInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y, Activation act) {
        Checks.batchNorm("batchnorm_relu", x, gamma, beta, runMean, runVar);
        Checks.elementwise("batchnorm_relu", x, y);
        Checks.batchNormHyper("batchnorm_relu", 0, eps);
        Checks.fusedActivation("batchnorm_relu", act);
        doBatchNormReluInferForward(x, gamma, beta, runMean, runVar, eps, y, act);
    }

    protected void doBatchNormReluInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y, Activation act) {
        batchNormInferForward(x, gamma, beta, runMean, runVar, eps, y);
        activationForward(act, 0f, y, y);
    }

    /**
     * The backward of batchNormRelu*Forward: y is its output, and dy passes only where act let the
     * value through (y > 0, and below 6 for ReLU6).
     */
    public final void batchNormReluBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta,
                                            Activation act) {
        Checks.batchNorm("batchnorm_relu backward", x, gamma, saveMean, saveInvStd, dgamma, dbeta);
        Checks.elementwise("batchnorm_relu backward", x, y, dy, dx);
        Checks.fusedActivation("batchnorm_relu backward", act);
        doBatchNormReluBackward(x, gamma, saveMean, saveInvStd, y, dy, dx, dgamma, dbeta, act);
    }

    protected void doBatchNormReluBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta,
                                           Activation act) {
        try (Buf masked = zeros(dy.shape())) {
            activationBackward(act, 0f, y, y, dy, masked); // from the output: the activation's input was inside exactly there
            batchNormBackward(x, gamma, saveMean, saveInvStd, masked, dx, dgamma, dbeta);
        }
    }
    /** PReLU: y = x > 0 ? x : a[c] * x, one learned slope per channel c of x [N, C] or [N, C, H, W] (PyTorch's PReLU(C)). */
    public final void preluForward(Buf x, Buf a, Buf y) {
        Checks.prelu("prelu forward", x, a);
        Checks.elementwise("prelu forward", x, y);
        doPreluForward(x, a, y);
    }

    protected abstract void doPreluForward(Buf x, Buf a, Buf y);

    /** The backward of preluForward: dx, and da [C] (overwritten) summed over the batch and the plane. */
    public final void preluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) {
        Checks.prelu("prelu backward", x, a, da);
        Checks.elementwise("prelu backward", x, dy, dx);
        doPreluBackward(x, a, dy, dx, da);
    }

    protected abstract void doPreluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da);

    /**
     * Group normalisation of x [N, C] or [N, C, H, W] in groups of C/groups channels per sample
     * (GroupNorm; InstanceNorm is groups = C, LayerNorm groups = 1), biased variance, as PyTorch:
     * y = (x - mean) * invstd * gamma + beta, with gamma and beta per channel [C] or, for
     * LayerNorm's elementwise affine, of x's per-sample shape; saveMean, saveInvStd [N*groups]
     * receive the statistics backward needs.
     */
    public final void groupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.groupNorm("groupnorm forward", x, groups, gamma, beta, saveMean, saveInvStd);
        Checks.elementwise("groupnorm forward", x, y);
        Checks.batchNormHyper("groupnorm forward", 0f, eps);
        doGroupNormForward(x, groups, gamma, beta, eps, y, saveMean, saveInvStd);
    }

    protected abstract void doGroupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd);

    /** The backward of groupNormForward: dx, and dgamma and dbeta of gamma's shape (overwritten). */
    public final void groupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.groupNorm("groupnorm backward", x, groups, gamma, dgamma, saveMean, saveInvStd);
        Checks.elementwise("groupnorm backward", x, dy, dx);
        Checks.shape("groupnorm backward", "dbeta", dbeta, gamma.shape());
        doGroupNormBackward(x, groups, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);
    }

    protected abstract void doGroupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta);

    // optimisers, as PyTorch's torch.optim updates
    /** L1 regularisation of p: g += lambda * sign(p) (sign(0) = 0), before an update. */
    public final void l1Gradient(Buf p, Buf g, float lambda) {
        Checks.l1(p, g, lambda);
        doL1Gradient(p, g, lambda);
    }

    protected abstract void doL1Gradient(Buf p, Buf g, float lambda);

    /** v = m*v + g + wd*p; p -= lr*(nesterov ? g + wd*p + m*v : v). With m = 0 it is plain SGD. */
    public final void sgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        Checks.sgd(p, g, velocity, lr, momentum, weightDecay);
        doSgdUpdate(p, g, velocity, lr, momentum, weightDecay, nesterov);
    }

    protected abstract void doSgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov);

    public final void adagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps) {
        Checks.optimiser("adagrad", p, g, sumSq, lr, weightDecay);
        Checks.finite("adagrad", "eps", eps);
        doAdagradUpdate(p, g, sumSq, lr, weightDecay, eps);
    }

    protected abstract void doAdagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps);

    /** step counts from 1 and drives the bias correction; decoupled: AdamW's weight decay (p *= 1 - lr*wd) instead of Adam's L2. */
    public final void adamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, int step) {
        Checks.adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step);
        doAdamUpdate(p, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    protected abstract void doAdamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, int step);

    /** Number of live buffers of this backend (for leak checks). */
    public abstract int liveBuffers();

    @Override
    public abstract void close();
}
