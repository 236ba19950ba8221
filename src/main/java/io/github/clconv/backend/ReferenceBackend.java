package io.github.clconv.backend;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

import java.util.concurrent.atomic.AtomicInteger;

import static io.github.clconv.backend.HostBuf.d;

/**
 * The pure-Java oracle: direct loops, double-precision storage and accumulation.
 * This class only checks arguments and routes to one small class per op family.
 */
public final class ReferenceBackend implements Backend {
    private final AtomicInteger live = new AtomicInteger();

    @Override
    public String name() {
        return "reference (pure Java, float64)";
    }

    @Override
    public Buf zeros(Shape shape) {
        return new HostBuf(shape, live);
    }

    @Override
    public Buf upload(Shape shape, float[] data) {
        HostBuf b = new HostBuf(shape, live);
        write(b, data);
        return b;
    }

    @Override
    public void write(Buf dst, float[] data) {
        double[] t = d(dst);
        if (data.length != t.length) {
            throw new IllegalArgumentException("write: " + data.length + " values for a buffer of shape " + dst.shape());
        }
        for (int i = 0; i < t.length; i++) {
            t[i] = data[i];
        }
    }

    @Override
    public float[] download(Buf src) {
        double[] s = d(src);
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = (float) s[i];
        }
        return f;
    }

    /** The double values themselves, for gradient checks. */
    public double[] raw(Buf b) {
        return d(b);
    }

    @Override
    public void copy(Buf src, Buf dst) {
        Checks.sameSize("copy", "source", src, "destination", dst);
        System.arraycopy(d(src), 0, d(dst), 0, src.shape().size());
    }

    @Override
    public void fill(Buf dst, float value) {
        Checks.finite("fill", "value", value);
        java.util.Arrays.fill(d(dst), value);
    }

    @Override
    public void gatherRows(Buf src, Buf idx, int offset, Buf dst) {
        Checks.gather(src, idx, offset, dst);
        int row = src.shape().perSample();
        double[] s = d(src), t = d(dst), ix = d(idx);
        for (int i = 0; i < dst.shape().dim(0); i++) {
            int r = (int) ix[offset + i];
            if (r < 0 || r >= src.shape().dim(0)) {
                throw new IllegalArgumentException("gather: index " + r + " is out of range [0, " + src.shape().dim(0) + ")");
            }
            System.arraycopy(s, r * row, t, i * row, row);
        }
    }

    @Override
    public void copyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        Checks.range(src, srcOffset, dst, dstOffset, count);
        System.arraycopy(d(src), srcOffset, d(dst), dstOffset, count);
    }

    @Override
    public Buf reshape(Buf b, Shape shape) {
        Checks.reshape(b, shape);
        return new HostBuf(shape, (HostBuf) b, live);
    }

    @Override
    public void finish() {
    }

    @Override
    public void im2col(Buf x, ConvGeom g, Buf col) {
        Checks.im2col(g, x, col);
        ReferenceConv.im2col(d(x), g, d(col));
    }

    @Override
    public void col2im(Buf col, ConvGeom g, Buf x) {
        Checks.im2col(g, x, col);
        ReferenceConv.col2im(d(col), g, d(x));
    }

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Buf a, Buf b, float beta, Buf c) {
        int[] mnk = Checks.gemm(ta, tb, alpha, a, b, beta, c);
        ReferenceConv.gemm(ta, tb, mnk[0], mnk[1], mnk[2], alpha, d(a), d(b), beta, d(c));
    }

    @Override
    public void conv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Buf y) {
        Checks.conv(g, x, w, bias, y);
        ReferenceConv.convForward(d(x), d(w), d(bias), g, d(y));
    }

    @Override
    public void conv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias) {
        Checks.convBackward(g, x, w, dy, dx, dw, dbias);
        ReferenceConv.convBackward(d(x), d(w), d(dy), g, d(dx), d(dw), d(dbias));
    }

    @Override
    public void linearForward(Buf x, Buf w, Buf bias, Buf y) {
        Checks.linear(x, w, bias, y);
        ReferenceLinear.linearForward(x, w, bias, y);
    }

    @Override
    public void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias) {
        Checks.linearBackward(x, w, dy, dx, dw, dbias);
        ReferenceLinear.linearBackward(x, w, dy, dx, dw, dbias);
    }

    @Override
    public void maxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax) {
        Checks.pool("maxpool2d", g, x, y);
        Checks.shape("maxpool2d", "argmax", argmax, g.output());
        ReferencePool.maxForward(d(x), g, d(y), d(argmax));
    }

    @Override
    public void maxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) {
        Checks.pool("maxpool2d backward", g, dx, dy);
        Checks.shape("maxpool2d backward", "argmax", argmax, g.output());
        ReferencePool.maxBackward(d(dy), d(argmax), g, d(dx));
    }

    @Override
    public void globalAvgPoolForward(Buf x, Buf y) {
        Checks.globalAvgPool("globalavgpool", x, y);
        ReferencePool.globalAvgForward(d(x), x.shape().dim(2) * x.shape().dim(3), d(y));
    }

    @Override
    public void globalAvgPoolBackward(Buf dy, Buf dx) {
        Checks.globalAvgPool("globalavgpool backward", dx, dy);
        ReferencePool.globalAvgBackward(d(dy), dx.shape().dim(2) * dx.shape().dim(3), d(dx));
    }

    @Override
    public void add(Buf a, Buf b, Buf y) {
        Checks.elementwise("add", a, b, y);
        double[] x = d(a), z = d(b), out = d(y);
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] + z[i];
        }
    }

    @Override
    public void copyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        Checks.copyChannels(src, srcC0, dst, dstC0, count);
        int plane = src.shape().size() / src.shape().dim(0) / src.shape().dim(1), sc = src.shape().dim(1), dc = dst.shape().dim(1);
        for (int n = 0; n < src.shape().dim(0); n++) {
            System.arraycopy(d(src), (n * sc + srcC0) * plane, d(dst), (n * dc + dstC0) * plane, count * plane);
        }
    }

    @Override
    public void avgPoolForward(Buf x, PoolGeom g, Buf y) {
        Checks.pool("avgpool2d", g, x, y);
        ReferencePool.avgForward(d(x), g, d(y));
    }

    @Override
    public void avgPoolBackward(Buf dy, PoolGeom g, Buf dx) {
        Checks.pool("avgpool2d backward", g, dx, dy);
        ReferencePool.avgBackward(d(dy), g, d(dx));
    }

    @Override
    public void activationForward(Activation a, float alpha, Buf x, Buf y) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT), x, y);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        ReferenceElementwise.activationForward(a, alpha, d(x), d(y));
    }

    @Override
    public void activationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        Checks.elementwise(a.name().toLowerCase(java.util.Locale.ROOT) + " backward", x, y, dy, dx);
        Checks.finite(a.name().toLowerCase(java.util.Locale.ROOT), "alpha", alpha);
        ReferenceElementwise.activationBackward(a, alpha, d(x), d(y), d(dy), d(dx));
    }

    @Override
    public void softmaxForward(Buf x, Buf y, boolean log) {
        Checks.rows("softmax", x);
        Checks.elementwise("softmax", x, y);
        ReferenceLoss.softmaxForward(d(x), x.shape().dim(0), x.shape().dim(1), d(y), log);
    }

    @Override
    public void softmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        Checks.rows("softmax backward", y);
        Checks.elementwise("softmax backward", y, dy, dx);
        ReferenceLoss.softmaxBackward(d(y), d(dy), y.shape().dim(0), y.shape().dim(1), d(dx), log);
    }

    @Override
    public void softmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss) {
        Checks.labels("softmax_xent", logits, labels);
        Checks.elementwise("softmax_xent", logits, probs);
        Checks.shape("softmax_xent", "loss", loss, Shape.of(1));
        Checks.range("softmax_xent", "label smoothing", smoothing, 0, 1);
        ReferenceLoss.xentForward(d(logits), d(labels), logits.shape().dim(0), logits.shape().dim(1), smoothing, d(probs), d(loss));
    }

    @Override
    public void softmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        Checks.labels("softmax_xent backward", probs, labels);
        Checks.elementwise("softmax_xent backward", probs, dlogits);
        Checks.range("softmax_xent backward", "label smoothing", smoothing, 0, 1);
        ReferenceLoss.xentBackward(d(probs), d(labels), probs.shape().dim(0), probs.shape().dim(1), smoothing, d(dlogits));
    }

    @Override
    public void mseForward(Buf y, Buf target, Buf loss) {
        Checks.elementwise("mse", y, target);
        Checks.shape("mse", "loss", loss, Shape.of(1));
        ReferenceLoss.mseForward(d(y), d(target), d(loss));
    }

    @Override
    public void mseBackward(Buf y, Buf target, Buf dy) {
        Checks.elementwise("mse backward", y, target, dy);
        ReferenceLoss.mseBackward(d(y), d(target), d(dy));
    }

    @Override
    public void augment(Buf x, boolean hflip, int pad, long seed, Buf y) {
        Checks.augment(x, pad, y);
        Shape s = x.shape();
        ReferenceAugment.augment(d(x), s.dim(0), s.dim(1), s.dim(2), s.dim(3), hflip, pad, seed, d(y));
    }

    @Override
    public void dropoutForward(Buf x, float p, long seed, Buf mask, Buf y) {
        Checks.dropout(x, p, mask, y);
        ReferenceElementwise.dropoutForward(d(x), p, seed, d(mask), d(y));
    }

    @Override
    public void dropoutBackward(Buf dy, Buf mask, Buf dx) {
        Checks.elementwise("dropout backward", dy, mask, dx);
        ReferenceElementwise.mul(d(dy), d(mask), d(dx));
    }

    @Override
    public void batchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                      Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar, saveMean, saveInvStd);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", momentum, eps);
        Shape s = x.shape();
        ReferenceNorm.trainForward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(beta), d(runMean), d(runVar),
                momentum, eps, d(y), d(saveMean), d(saveInvStd));
    }

    @Override
    public void batchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        Checks.batchNorm("batchnorm", x, gamma, beta, runMean, runVar);
        Checks.elementwise("batchnorm", x, y);
        Checks.batchNormHyper("batchnorm", 0, eps);
        Shape s = x.shape();
        ReferenceNorm.inferForward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(beta), d(runMean), d(runVar), eps, d(y));
    }

    @Override
    public void batchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.batchNorm("batchnorm backward", x, gamma, saveMean, saveInvStd, dgamma, dbeta);
        Checks.elementwise("batchnorm backward", x, dy, dx);
        Shape s = x.shape();
        ReferenceNorm.backward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(saveMean), d(saveInvStd), d(dy),
                d(dx), d(dgamma), d(dbeta));
    }

    @Override
    public void preluForward(Buf x, Buf a, Buf y) {
        Checks.prelu("prelu forward", x, a);
        Checks.elementwise("prelu forward", x, y);
        Shape s = x.shape();
        ReferenceElementwise.preluForward(d(x), d(a), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(y));
    }

    @Override
    public void preluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) {
        Checks.prelu("prelu backward", x, a, da);
        Checks.elementwise("prelu backward", x, dy, dx);
        Shape s = x.shape();
        ReferenceElementwise.preluBackward(d(x), d(a), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(dy), d(dx), d(da));
    }

    @Override
    public void groupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        Checks.groupNorm("groupnorm forward", x, groups, gamma, beta, saveMean, saveInvStd);
        Checks.elementwise("groupnorm forward", x, y);
        Checks.batchNormHyper("groupnorm forward", 0f, eps);
        Shape s = x.shape();
        ReferenceGroupNorm.forward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), groups, d(gamma), d(beta), eps, d(y), d(saveMean),
                d(saveInvStd));
    }

    @Override
    public void groupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Checks.groupNorm("groupnorm backward", x, groups, gamma, dgamma, saveMean, saveInvStd);
        Checks.elementwise("groupnorm backward", x, dy, dx);
        Checks.shape("groupnorm backward", "dbeta", dbeta, gamma.shape());
        Shape s = x.shape();
        ReferenceGroupNorm.backward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), groups, d(gamma), d(saveMean), d(saveInvStd), d(dy),
                d(dx), d(dgamma), d(dbeta));
    }

    @Override
    public void l1Gradient(Buf p, Buf g, float lambda) {
        Checks.l1(p, g, lambda);
        ReferenceOptim.l1Gradient(d(p), d(g), lambda);
    }

    @Override
    public void sgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        Checks.sgd(p, g, velocity, lr, momentum, weightDecay);
        ReferenceOptim.sgd(d(p), d(g), d(velocity), lr, momentum, weightDecay, nesterov);
    }

    @Override
    public void adagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps) {
        Checks.optimiser("adagrad", p, g, sumSq, lr, weightDecay);
        Checks.finite("adagrad", "eps", eps);
        ReferenceOptim.adagrad(d(p), d(g), d(sumSq), lr, weightDecay, eps);
    }

    @Override
    public void adamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                           int step) {
        Checks.adam(p, g, m, v, lr, beta1, beta2, eps, weightDecay, step);
        ReferenceOptim.adam(d(p), d(g), d(m), d(v), lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    public int liveBuffers() {
        return live.get();
    }

    @Override
    public void close() {
    }
}
