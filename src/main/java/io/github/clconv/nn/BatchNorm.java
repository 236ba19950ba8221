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
    private Backend b;
    Buf gamma, beta, runMean, runVar, dGamma, dBeta, saveMean, saveInvStd;
    private Buf x;

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
        return gamma.shape().dim(0);
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
        gamma = b.upload(ch, ones);
        beta = b.zeros(ch);
        runMean = b.zeros(ch);
        runVar = b.upload(ch, ones);
        dGamma = b.zeros(ch);
        dBeta = b.zeros(ch);
        saveMean = b.zeros(ch);
        saveInvStd = b.zeros(ch);
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        Buf y = ws.get(b, "y", x.shape());
        if (training) {
            b.batchNormTrainForward(x, gamma, beta, runMean, runVar, MOMENTUM, EPS, y, saveMean, saveInvStd);
        } else {
            b.batchNormInferForward(x, gamma, beta, runMean, runVar, EPS, y);
        }
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.get(b, "dx", x.shape());
        b.batchNormBackward(x, gamma, saveMean, saveInvStd, dy, dx, dGamma, dBeta);
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(new Param("weight", gamma, dGamma), new Param("bias", beta, dBeta),
                new Param("running_mean", runMean, null), new Param("running_var", runVar, null));
    }

    @Override
    public void adopt(List<Param> trainable) {
        for (Buf t : new Buf[]{gamma, dGamma, beta, dBeta}) {
            t.close();
        }
        gamma = trainable.get(0).value();
        dGamma = trainable.get(0).grad();
        beta = trainable.get(1).value();
        dBeta = trainable.get(1).grad();
    }

    @Override
    public void close() {
        ws.close();
        for (Buf t : new Buf[]{gamma, beta, runMean, runVar, dGamma, dBeta, saveMean, saveInvStd}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
