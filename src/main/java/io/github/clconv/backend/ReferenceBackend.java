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
public final class ReferenceBackend extends Backend {
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
    protected void doCopy(Buf src, Buf dst) {
        System.arraycopy(d(src), 0, d(dst), 0, src.shape().size());
    }

    @Override
    protected void doFill(Buf dst, float value) {
        java.util.Arrays.fill(d(dst), value);
    }

    @Override
    protected void doGatherRows(Buf src, Buf idx, int offset, Buf dst) {
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
    protected void doCopyRange(Buf src, int srcOffset, Buf dst, int dstOffset, int count) {
        System.arraycopy(d(src), srcOffset, d(dst), dstOffset, count);
    }

    @Override
    protected Buf doReshape(Buf b, Shape shape) {
        return new HostBuf(shape, (HostBuf) b, live);
    }

    @Override
    public void finish() {
    }

    @Override
    protected void doIm2col(Buf x, ConvGeom g, Buf col) {
        ReferenceConv.im2col(d(x), g, d(col));
    }

    @Override
    protected void doCol2im(Buf col, ConvGeom g, Buf x) {
        ReferenceConv.col2im(d(col), g, d(x));
    }

    @Override
    protected void doGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        ReferenceConv.gemm(ta, tb, m, n, k, alpha, d(a), d(b), beta, d(c));
    }

    @Override
    protected void doConv2dForward(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        ReferenceConv.convForward(d(x), d(w), d(bias), g, d(y));
        if (act != null) { // the epilogue's reference: the activation's, on the stored output
            doActivationForward(act, 0f, y, y);
        }
    }

    /** The convolution (with its activation), then the pool: device kernels that pool as they store are checked against this. */
    @Override
    protected boolean doConv2dForwardMaxPool(Buf x, Buf w, Buf bias, ConvGeom g, Activation act, Buf y) {
        try (Buf c = zeros(g.output())) {
            doConv2dForward(x, w, bias, g, act, c);
            PoolGeom p = new PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0);
            ReferencePool.maxForward(d(c), p, d(y), new double[(int) p.output().size()]);
        }
        return true;
    }

    @Override
    protected void doConv2dBackward(Buf x, Buf w, Buf dy, ConvGeom g, Buf dx, Buf dw, Buf dbias) {
        ReferenceConv.convBackward(d(x), d(w), d(dy), g, d(dx), d(dw), d(dbias));
    }

    @Override
    protected void doLinearForward(Buf x, Buf w, Buf bias, Buf y) {
        ReferenceLinear.linearForward(x, w, bias, y);
    }

    @Override
    protected void doLinearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf dbias) {
        ReferenceLinear.linearBackward(x, w, dy, dx, dw, dbias);
    }

    @Override
    protected void doMaxPoolForward(Buf x, PoolGeom g, Buf y, Buf argmax) {
        ReferencePool.maxForward(d(x), g, d(y), d(argmax));
    }

    @Override
    protected void doMaxPoolBackward(Buf dy, Buf argmax, PoolGeom g, Buf dx) {
        ReferencePool.maxBackward(d(dy), d(argmax), g, d(dx));
    }

    @Override
    protected void doGlobalAvgPoolForward(Buf x, Buf y) {
        ReferencePool.globalAvgForward(d(x), x.shape().dim(2) * x.shape().dim(3), d(y));
    }

    @Override
    protected void doGlobalAvgPoolBackward(Buf dy, Buf dx) {
        ReferencePool.globalAvgBackward(d(dy), dx.shape().dim(2) * dx.shape().dim(3), d(dx));
    }

    @Override
    protected void doAdaptiveAvgPoolForward(Buf x, Buf y) {
        ReferencePool.adaptiveAvgForward(d(x), x.shape(), d(y), y.shape());
    }

    @Override
    protected void doAdaptiveAvgPoolBackward(Buf dy, Buf dx) {
        ReferencePool.adaptiveAvgBackward(d(dy), dy.shape(), d(dx), dx.shape());
    }

    @Override
    protected void doAdd(Buf a, Buf b, Activation act, Buf y) {
        double[] x = d(a), z = d(b), out = d(y);
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] + z[i];
        }
        if (act != null) {
            doActivationForward(act, 0f, y, y);
        }
    }

    @Override
    protected void doCopyChannels(Buf src, int srcC0, Buf dst, int dstC0, int count) {
        int plane = src.shape().size() / src.shape().dim(0) / src.shape().dim(1), sc = src.shape().dim(1), dc = dst.shape().dim(1);
        for (int n = 0; n < src.shape().dim(0); n++) {
            System.arraycopy(d(src), (n * sc + srcC0) * plane, d(dst), (n * dc + dstC0) * plane, count * plane);
        }
    }

    @Override
    protected void doAvgPoolForward(Buf x, PoolGeom g, Buf y) {
        ReferencePool.avgForward(d(x), g, d(y));
    }

    @Override
    protected void doAvgPoolBackward(Buf dy, PoolGeom g, Buf dx) {
        ReferencePool.avgBackward(d(dy), g, d(dx));
    }

    @Override
    protected void doActivationForward(Activation a, float alpha, Buf x, Buf y) {
        ReferenceElementwise.activationForward(a, alpha, d(x), d(y));
    }

    @Override
    protected void doActivationBackward(Activation a, float alpha, Buf x, Buf y, Buf dy, Buf dx) {
        ReferenceElementwise.activationBackward(a, alpha, d(x), d(y), d(dy), d(dx));
    }

    @Override
    protected void doSoftmaxForward(Buf x, Buf y, boolean log) {
        ReferenceLoss.softmaxForward(d(x), x.shape().dim(0), x.shape().dim(1), d(y), log);
    }

    @Override
    protected void doSoftmaxBackward(Buf y, Buf dy, Buf dx, boolean log) {
        ReferenceLoss.softmaxBackward(d(y), d(dy), y.shape().dim(0), y.shape().dim(1), d(dx), log);
    }

    @Override
    protected void doSoftmaxXentForward(Buf logits, Buf labels, float smoothing, Buf probs, Buf loss) {
        ReferenceLoss.xentForward(d(logits), d(labels), logits.shape().dim(0), logits.shape().dim(1), smoothing, d(probs), d(loss));
    }

    @Override
    protected void doSoftmaxXentBackward(Buf probs, Buf labels, float smoothing, Buf dlogits) {
        ReferenceLoss.xentBackward(d(probs), d(labels), probs.shape().dim(0), probs.shape().dim(1), smoothing, d(dlogits));
    }

    @Override
    protected void doMseForward(Buf y, Buf target, Buf loss) {
        ReferenceLoss.mseForward(d(y), d(target), d(loss));
    }

    @Override
    protected void doMseBackward(Buf y, Buf target, Buf dy) {
        ReferenceLoss.mseBackward(d(y), d(target), d(dy));
    }

    @Override
    protected void doAugment(Buf x, boolean hflip, int pad, long seed, Buf y) {
        Shape s = x.shape();
        ReferenceAugment.augment(d(x), s.dim(0), s.dim(1), s.dim(2), s.dim(3), hflip, pad, seed, d(y));
    }

    @Override
    protected void doDropoutForward(Buf x, float p, long seed, Buf mask, Buf y) {
        ReferenceElementwise.dropoutForward(d(x), p, seed, d(mask), d(y));
    }

    @Override
    protected void doDropoutBackward(Buf dy, Buf mask, Buf dx) {
        ReferenceElementwise.mul(d(dy), d(mask), d(dx));
    }

    @Override
    protected void doBatchNormTrainForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float momentum, float eps,
                                      Buf y, Buf saveMean, Buf saveInvStd) {
        Shape s = x.shape();
        ReferenceNorm.trainForward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(beta), d(runMean), d(runVar),
                momentum, eps, d(y), d(saveMean), d(saveInvStd));
    }

    @Override
    protected void doBatchNormInferForward(Buf x, Buf gamma, Buf beta, Buf runMean, Buf runVar, float eps, Buf y) {
        Shape s = x.shape();
        ReferenceNorm.inferForward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(beta), d(runMean), d(runVar), eps, d(y));
    }

    @Override
    protected void doBatchNormBackward(Buf x, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Shape s = x.shape();
        ReferenceNorm.backward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(gamma), d(saveMean), d(saveInvStd), d(dy),
                d(dx), d(dgamma), d(dbeta));
    }

    @Override
    protected void doPreluForward(Buf x, Buf a, Buf y) {
        Shape s = x.shape();
        ReferenceElementwise.preluForward(d(x), d(a), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(y));
    }

    @Override
    protected void doPreluBackward(Buf x, Buf a, Buf dy, Buf dx, Buf da) {
        Shape s = x.shape();
        ReferenceElementwise.preluBackward(d(x), d(a), s.dim(1), s.size() / s.dim(0) / s.dim(1), d(dy), d(dx), d(da));
    }

    @Override
    protected void doGroupNormForward(Buf x, int groups, Buf gamma, Buf beta, float eps, Buf y, Buf saveMean, Buf saveInvStd) {
        Shape s = x.shape();
        ReferenceGroupNorm.forward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), groups, d(gamma), d(beta), eps, d(y), d(saveMean),
                d(saveInvStd));
    }

    @Override
    protected void doGroupNormBackward(Buf x, int groups, Buf gamma, Buf saveMean, Buf saveInvStd, Buf dy, Buf dx, Buf dgamma, Buf dbeta) {
        Shape s = x.shape();
        ReferenceGroupNorm.backward(d(x), s.dim(0), s.dim(1), s.size() / s.dim(0) / s.dim(1), groups, d(gamma), d(saveMean), d(saveInvStd), d(dy),
                d(dx), d(dgamma), d(dbeta));
    }

    @Override
    protected void doL1Gradient(Buf p, Buf g, float lambda) {
        ReferenceOptim.l1Gradient(d(p), d(g), lambda);
    }

    @Override
    protected void doSgdUpdate(Buf p, Buf g, Buf velocity, float lr, float momentum, float weightDecay, boolean nesterov) {
        ReferenceOptim.sgd(d(p), d(g), d(velocity), lr, momentum, weightDecay, nesterov);
    }

    @Override
    protected void doAdagradUpdate(Buf p, Buf g, Buf sumSq, float lr, float weightDecay, float eps) {
        ReferenceOptim.adagrad(d(p), d(g), d(sumSq), lr, weightDecay, eps);
    }

    @Override
    protected void doAdamUpdate(Buf p, Buf g, Buf m, Buf v, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                           int step) {
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
