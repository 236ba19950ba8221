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
    private boolean relu;

    /**
     * The model found a ReLU that reads only this layer's output: this layer applies it in
     * the same pass (forward and backward), and that ReLU passes its data through.
     */
    void fuseRelu(ActivationLayer next) {
        relu = true;
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

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        y = ws.get(b, "y", x.shape());
        Buf g = params.value("weight"), beta = params.value("bias"), rm = params.value("running_mean"), rv = params.value("running_var");
        if (training && relu) {
            b.batchNormReluTrainForward(x, g, beta, rm, rv, MOMENTUM, EPS, y, saveMean, saveInvStd);
        } else if (training) {
            b.batchNormTrainForward(x, g, beta, rm, rv, MOMENTUM, EPS, y, saveMean, saveInvStd);
        } else if (relu) {
            b.batchNormReluInferForward(x, g, beta, rm, rv, EPS, y);
        } else {
            b.batchNormInferForward(x, g, beta, rm, rv, EPS, y);
        }
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.get(b, "dx", x.shape());
        if (relu) {
            b.batchNormReluBackward(x, params.value("weight"), saveMean, saveInvStd, y, dy, dx, params.grad("weight"), params.grad("bias"));
        } else {
            b.batchNormBackward(x, params.value("weight"), saveMean, saveInvStd, dy, dx, params.grad("weight"), params.grad("bias"));
        }
        return dx;
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
    public void close() {
        ws.close();
        params.close();
        for (Buf t : new Buf[]{saveMean, saveInvStd}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
