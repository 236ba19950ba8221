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
 */
public interface Backend extends AutoCloseable {
    String name();

    // memory
    Buf zeros(Shape shape);

    Buf upload(Shape shape, float[] data);

    /** Labels as float-coded integers; each must lie in [0, classes). */
    default Buf uploadLabels(int[] labels, int classes) {
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
    default Optional<Packed> pack(List<Shape> shapes) {
        return Optional.empty();
    }

    void write(Buf dst, float[] data);

    /** The most bytes one buffer may hold (unbounded for the reference). */
    default long maxBufferBytes() {
        return Long.MAX_VALUE;
    }

    /** The device's memory in bytes (for the reference: the JVM's heap limit). */
    default long memoryBytes() {
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Runs pass (a model's forward pass at the batch it will train with) so that every choice
     * the backend makes by measurement for it (a convolution algorithm per layer shape) is made
     * now, telling tuning of each; returns how many were measured (0: all were known).
     */
    default int prepare(Runnable pass, Tuning tuning) {
        pass.run();
        return 0;
    }

    float[] download(Buf src);

    void copy(Buf src, Buf dst);

    void fill(Buf dst, float value);

    /** dst[i, :] = src[idx[offset + i], :] for the rows of a [rows, ...] tensor; idx float-coded. */
    void gatherRows(Buf src, Buf idx, int offset, Buf dst);

    /** dst[dstOffset .. +count] = src[srcOffset .. +count], in elements. */
    void copyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count);

    /** The same storage seen with another shape of the same size; close it like any buffer. */
    Buf reshape(Buf b, Shape shape);

    /** Waits until every queued operation has finished. */
    void finish();

    // linear algebra
    /** col [C*R*S, N*OH*OW] from x [N,C,H,W]; zero where the window hangs over the padding. */
    void im2col(Buf x, ConvGeom g, Buf col);

    /** The adjoint of im2col: x[n,c,h,w] = sum of the col entries that read it. */
    void col2im(Buf col, ConvGeom g, Buf x);

    /** c = alpha * op(a) * op(b) + beta * c for row-major 2-d buffers; op transposes when asked. */
    void gemm(boolean transA, boolean transB, float alpha, Buf a, Buf b, float beta, Buf c);

    void conv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y);

    /** dx may be null (the first layer needs none). */
    void conv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias);

    /**
     * The shape of what this backend can keep from a training forward pass for the backward
     * pass of the same input (on the device: x's im2col matrix, which backward would otherwise
     * recompute), or null when it keeps nothing for g.
     */
    default Shape convKept(ConvGeom g) {
        return null;
    }

    /** conv2dForward that also fills kept (a buffer of shape convKept(g)) for conv2dBackwardKept. */
    default void conv2dForwardKeeping(Buf x, Buf w, Buf bias, ConvGeom g, Buf y, Buf kept) {
        conv2dForward(x, w, bias, g, y);
    }

    /** conv2dBackward for the x, g and kept of the last conv2dForwardKeeping (kept is left unchanged). */
    default void conv2dBackwardKept(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias, Buf kept) {
        conv2dBackward(x, w, dy, g, dx, dw, dbias);
    }

    /** y [N,OUT] = x [N,IN] * w[OUT,IN]^T + bias. */
    void linearForward(Buf x, Buf w, Buf bias, Buf y);

    void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias);

    // pooling
    /** argmax receives, per output, the index h*W+w of the winner in its input plane. */
    void maxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax);

    void maxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx);

    /** Divides by kernel*kernel, padding included (PyTorch's count_include_pad=True). */
    void avgPoolForward(Buf x, PoolGeom g, Buf y);

    void avgPoolBackward(Buf dy, PoolGeom g, Buf dx);

    /** y [N, C] = the mean of each H x W plane of x [N, C, H, W] (PyTorch's adaptive_avg_pool2d(x, 1), flattened). */
    void globalAvgPoolForward(Buf x, Buf y);
    /** dx [N, C, H, W] = dy [N, C] / (H*W) over each plane. */
    void globalAvgPoolBackward(Buf dy, Buf dx);
    // element-wise
    /** y = a + b; y may be a or b (a residual sum, a gradient that reaches a tensor along two paths). */
    void add(Buf a, Buf b, Buf y);
    /**
     * dst[n, dstC0 + c, ...] = src[n, srcC0 + c, ...] for c in [0, count): a channel slice, for
     * concatenation along channels and for splitting its gradient.
     */
    void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count);
    void activationForward(Activation a, float alpha, Buf x, Buf y);

    void activationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx);

    /** Softmax (or log-softmax) over the last axis of a [N, C] tensor. */
    void softmaxForward(Buf x, Buf y, boolean log);

    void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log);

    // losses: loss is a [1] buffer holding the mean over the batch
    /** smoothing in [0, 1): label smoothing as torch's CrossEntropyLoss(label_smoothing=...). */
    void softmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss);

    default void softmaxXentForward(Buf logits, Buf labels, Buf probs, Buf loss) {
        softmaxXentForward(logits, labels, 0f, probs, loss);
    }

    void softmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits);

    default void softmaxXentBackward(Buf probs, Buf labels, Buf dlogits) {
        softmaxXentBackward(probs, labels, 0f, dlogits);
    }

    void mseForward(Buf y, Buf target, Buf loss);

    void mseBackward(Buf y, Buf target, Buf dy);

    // dropout: mask holds 0 or 1/(1-p), drawn from Philox4x32-10 keyed by seed
    void dropoutForward(Buf x, float p, long seed, Buf mask, Buf y);

    void dropoutBackward(Buf dy, Buf mask, Buf dx);

    /**
     * y = a random horizontal flip (when hflip) and a random crop after zero padding of pad
     * of each image of x [N, C, H, W], drawn from Philox under seed: the same on every backend.
     */
    void augment(Buf x, boolean hflip, int pad, long seed, Buf y);

    // batch normalisation over [N, C] or [N, C, H, W], statistics per channel C
    void batchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                               Buf y, Buf saveMean, Buf saveInvStd);

    void batchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y);

    void batchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta);

    /** batchNormTrainForward then ReLU on y: one pass over the data where the backend fuses them. */
    default void batchNormReluTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                           Buf y, Buf saveMean, Buf saveInvStd) {
        batchNormTrainForward(x, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInvStd);
        activationForward(Activation.RELU, 0f, y, y);
    }

    default void batchNormReluInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        batchNormInferForward(x, gamma, beta, runMean, runVar, eps, y);
        activationForward(Activation.RELU, 0f, y, y);
    }

    /** The backward of batchNormRelu*Forward: y is its output, zero where the ReLU cut (and there dy does not pass). */
    default void batchNormReluBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf y, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        try (Buf masked = zeros(dy.shape())) {
            activationBackward(Activation.RELU, 0f, y, y, dy, masked); // y > 0 exactly where the ReLU's input was
            batchNormBackward(x, gamma, saveMean, saveInvStd, masked, dx, dgamma, dbeta);
        }
    }
    /** PReLU: y = x > 0 ? x : a[c] * x, one learned slope per channel c of x [N, C] or [N, C, H, W] (PyTorch's PReLU(C)). */
    void preluForward(Buf x, Buf a, Buf y);

    /** The backward of preluForward: dx, and da [C] (overwritten) summed over the batch and the plane. */
    void preluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da);

    /**
     * Group normalisation of x [N, C] or [N, C, H, W] in groups of C/groups channels per sample
     * (GroupNorm; InstanceNorm is groups = C, LayerNorm groups = 1), biased variance, as PyTorch:
     * y = (x - mean) * invstd * gamma + beta, with gamma and beta per channel [C] or, for
     * LayerNorm's elementwise affine, of x's per-sample shape; saveMean, saveInvStd [N*groups]
     * receive the statistics backward needs.
     */
    void groupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd);

    /** The backward of groupNormForward: dx, and dgamma and dbeta of gamma's shape (overwritten). */
    void groupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta);

    // optimisers, as PyTorch's torch.optim updates
    /** L1 regularisation of p: g += lambda * sign(p) (sign(0) = 0), before an update. */
    void l1Gradient(Buf p, Buf g, float lambda);

    /** v = m*v + g + wd*p; p -= lr*(nesterov ? g + wd*p + m*v : v). With m = 0 it is plain SGD. */
    void sgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov);

    void adagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps);

    /** step counts from 1 and drives the bias correction; decoupled: AdamW's weight decay (p *= 1 - lr*wd) instead of Adam's L2. */
    void adamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled, int step);

    /** Number of live buffers of this backend (for leak checks). */
    int liveBuffers();

    @Override
    void close();
}
