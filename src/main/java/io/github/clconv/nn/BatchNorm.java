package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/**
 * Batch normalisation: BatchNorm2d after an image-shaped input, BatchNorm1d after a flat
 * one. Training normalises with batch statistics and updates the running ones
 * (momentum 0.1, eps 1e-5, as PyTorch); inference uses the running statistics.
 */
public final class BatchNorm implements Layer {
    public static final float MOMENTUM = 0.1f, EPS = 1e-5f;
    private final Workspace ws = new Workspace();
    final ParamSet params = new ParamSet();
    private Backend b;
    private Buf saveMean, saveInvStd;
    private Buf x, y;
    private io.github.clconv.backend.Activation act; // the ReLU or ReLU6 applied in the same pass, or null

    /**
     * The model found a ReLU or ReLU6 that reads only this layer's output: this layer applies it
     * in the same pass (forward and backward), and that layer passes its data through.
     */
    void fuseActivation(ActivationLayer next) {
        act = next.kind;
        next.passThrough();
    }

    @Override
    public Layer fresh() {
        return new BatchNorm();
    }

    @Override
    public String spec() {
        return "bn";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3 && in.rank() != 1) {
            throw new IllegalArgumentException("bn needs an image [C,H,W] or a flat input, got " + in);
        }
        return in;
    }

    public int channels() {
        return params.value("weight").shape().dim(0);
    }

    @Override
    public java.util.Map<String, Shape> paramShapes(Shape in) {
        java.util.Map<String, Shape> m = new java.util.LinkedHashMap<>();
        for (String name : new String[]{"weight", "bias", "running_mean", "running_var"}) {
            m.put(name, Shape.of(in.dim(0)));
        }
        return m;
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        Shape ch = Shape.of(in.dim(0));
        float[] ones = new float[in.dim(0)];
        java.util.Arrays.fill(ones, 1f);
        params.add("weight", b.upload(ch, ones), b.zeros(ch));
        params.add("bias", b.zeros(ch), b.zeros(ch));
        params.add("running_mean", b.zeros(ch), null);
        params.add("running_var", b.upload(ch, ones), null);
        saveMean = b.zeros(ch);
        saveInvStd = b.zeros(ch);
    }

    /**
     * Synchronised statistics across data-parallel replicas (--sync-bn): how a replica's
     * per-channel figures meet the others'. Every replica calls these in the same order.
     */
    public interface StatsSync {
        /** Replaces each value by its sum over all replicas. */
        void sum(double[] v);

        int replicas();
    }

    private StatsSync sync;

    /** Training normalises with the statistics of the whole global batch (all replicas), as PyTorch's SyncBatchNorm. */
    public void synchronise(StatsSync s) {
        this.sync = s;
    }

    private Buf syncVar, scratchMean, scratchVar, corrScale, corrShift;

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        y = ws.get(b, "y", x.shape());
        Buf g = params.value("weight"), beta = params.value("bias"), rm = params.value("running_mean"), rv = params.value("running_var");
        if (training && sync != null && sync.replicas() > 1) {
            syncedForward(x, g, beta, rm, rv);
        } else if (training && act != null) {
            b.batchNormReluTrainForward(x, g, beta, rm, rv, MOMENTUM, EPS, y, saveMean, saveInvStd, act);
        } else if (training) {
            b.batchNormTrainForward(x, g, beta, rm, rv, MOMENTUM, EPS, y, saveMean, saveInvStd);
        } else if (act != null) {
            b.batchNormReluInferForward(x, g, beta, rm, rv, EPS, y, act);
        } else {
            b.batchNormInferForward(x, g, beta, rm, rv, EPS, y);
        }
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.gradient(b, "dx", x.shape());
        if (act != null) {
            b.batchNormReluBackward(x, params.value("weight"), saveMean, saveInvStd, y, dy, dx, params.grad("weight"), params.grad("bias"), act);
        } else {
            b.batchNormBackward(x, params.value("weight"), saveMean, saveInvStd, dy, dx, params.grad("weight"), params.grad("bias"));
        }
        if (sync != null && sync.replicas() > 1 && syncVar != null) {
            syncedBackwardCorrection(dx);
        }
        return dx;
    }

    /** Values per channel in this replica's batch. */
    private long count() {
        return x.shape().size() / x.shape().dim(1);
    }

    /**
     * The local pass gives this replica's statistics (its running-statistics update goes to
     * scratch); the global mean is the mean of the replicas' means (equal shares), the global
     * variance the mean of var_r + (mean_r - mean)^2; y is then normalised with them, and the
     * running statistics take them (the variance unbiased over the global count).
     */
    private void syncedForward(Buf x, Buf g, Buf beta, Buf rm, Buf rv) {
        int c = g.shape().dim(0);
        if (syncVar == null) {
            Shape ch = g.shape();
            syncVar = b.zeros(ch);
            scratchMean = b.zeros(ch);
            scratchVar = b.zeros(ch);
            corrScale = b.zeros(ch);
            corrShift = b.zeros(ch);
        }
        b.batchNormTrainForward(x, g, beta, scratchMean, scratchVar, MOMENTUM, EPS, y, saveMean, saveInvStd);
        float[] m = b.download(saveMean), inv = b.download(saveInvStd);
        int r = sync.replicas();
        double[] mean = new double[c];
        for (int i = 0; i < c; i++) {
            mean[i] = m[i];
        }
        sync.sum(mean);
        double[] spread = new double[c];
        for (int i = 0; i < c; i++) {
            mean[i] /= r;
            double var = 1.0 / ((double) inv[i] * inv[i]) - EPS;
            spread[i] = var + (m[i] - mean[i]) * (m[i] - mean[i]);
        }
        sync.sum(spread);
        long total = count() * r;
        float[] gm = new float[c], gv = new float[c], ginv = new float[c];
        float[] runM = b.download(rm), runV = b.download(rv);
        for (int i = 0; i < c; i++) {
            double var = spread[i] / r;
            gm[i] = (float) mean[i];
            gv[i] = (float) var;
            ginv[i] = (float) (1 / Math.sqrt(var + EPS));
            runM[i] = (float) ((1 - MOMENTUM) * runM[i] + MOMENTUM * mean[i]);
            runV[i] = (float) ((1 - MOMENTUM) * runV[i] + MOMENTUM * var * total / Math.max(1, total - 1));
        }
        b.write(saveMean, gm);
        b.write(saveInvStd, ginv);
        b.write(syncVar, gv);
        b.write(rm, runM);
        b.write(rv, runV);
        if (act != null) {
            b.batchNormReluInferForward(x, g, beta, saveMean, syncVar, EPS, y, act);
        } else {
            b.batchNormInferForward(x, g, beta, saveMean, syncVar, EPS, y);
        }
    }

    /**
     * The local backward used this replica's sums of dy and dy*xhat over its M values; the
     * global one needs the sums over all replicas' values. The difference is, per channel,
     * a + b*xhat with a = gamma*invstd*(dbeta/M - sum dbeta/Mg), b = gamma*invstd*(dgamma/M -
     * sum dgamma/Mg): added to dx through an affine pass. The parameters' gradients stay this
     * replica's (their mean over replicas is the global one).
     */
    private void syncedBackwardCorrection(Buf dx) {
        float[] dg = b.download(params.grad("weight")), db = b.download(params.grad("bias"));
        float[] gamma = b.download(params.value("weight")), inv = b.download(saveInvStd);
        int c = dg.length;
        double[] sums = new double[2 * c];
        for (int i = 0; i < c; i++) {
            sums[i] = dg[i];
            sums[c + i] = db[i];
        }
        sync.sum(sums);
        double ml = count(), mg = ml * sync.replicas();
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            double k = (double) gamma[i] * inv[i];
            scale[i] = (float) (k * (dg[i] / ml - sums[i] / mg));
            shift[i] = (float) (k * (db[i] / ml - sums[c + i] / mg));
        }
        b.write(corrScale, scale);
        b.write(corrShift, shift);
        Buf corr = ws.scratch(b, "corr", x.shape());
        b.batchNormInferForward(x, corrScale, corrShift, saveMean, syncVar, EPS, corr); // xhat * scale + shift
        b.add(dx, corr, dx);
        ws.done(corr);
    }

    @Override
    public List<Param> params() {
        return params.list();
    }

    @Override
    public void adopt(List<Param> trainable) {
        params.adopt(trainable);
    }

    @Override
    public void share(GradientPool pool) {
        ws.share(pool);
    }

    @Override
    public void close() {
        ws.close();
        params.close();
        for (Buf t : new Buf[]{saveMean, saveInvStd, syncVar, scratchMean, scratchVar, corrScale, corrShift}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
