package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * 2-d convolution, square kernel, weight [out, in/groups, k, k] as PyTorch's Conv2d;
 * optionally without bias (the convolutions before a batch norm, whose shift makes a bias
 * redundant). A padding of SAME (-1) pads (k-1)/2 on each side: with stride 1 and an
 * odd kernel the output keeps the input's size, as PyTorch's padding='same'.
 */
public final class Conv2d implements Layer {
    public static final int SAME = -1;
    final int out, kernel, stride, pad, groups;
    final boolean bias;
    private final Workspace ws = new Workspace();
    final ParamSet params = new ParamSet();
    private Backend b;
    private Shape in;
    private Buf x, y, kept; // kept: what the backend saves from a training forward for backward
    private ConvGeom g;
    private Activation act; // a ReLU or ReLU6 after this layer, applied as the convolution stores its output (Fusion)
    private boolean frozen; // weight and bias kept as they are: no gradient for them

    public Conv2d(int out, int kernel, int stride, int pad) {
        this(out, kernel, stride, pad, 1, true);
    }

    public Conv2d(int out, int kernel, int stride, int pad, int groups, boolean bias) {
        if (pad == SAME && kernel % 2 == 0) {
            throw new IllegalArgumentException("p=same needs an odd kernel size, got " + kernel);
        }
        if (out % groups != 0) {
            throw new IllegalArgumentException("groups " + groups + " must divide the " + out + " output channels");
        }
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        this.groups = groups;
        this.bias = bias;
    }

    /** The padding on every side, p=same resolved. */
    public int padding() {
        return pad == SAME ? (kernel - 1) / 2 : pad;
    }

    public int outChannels() {
        return out;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int groups() {
        return groups;
    }

    public boolean hasBias() {
        return bias;
    }

    @Override
    public Layer fresh() {
        return new Conv2d(out, kernel, stride, pad, groups, bias);
    }

    @Override
    public String spec() {
        return "conv(" + out + "," + kernel + (stride != 1 ? ",s=" + stride : "") + (pad == SAME ? ",p=same" : pad != 0 ? ",p=" + pad : "")
                + (groups != 1 ? ",g=" + groups : "") + (bias ? "" : ",bias=0") + ")";
    }

    private ConvGeom geom(int n, Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException(spec() + " needs an image input [C,H,W], got " + in);
        }
        if (in.dim(0) % groups != 0) {
            throw new IllegalArgumentException(spec() + ": groups " + groups + " must divide the " + in.dim(0) + " input channels");
        }
        return new ConvGeom(n, in.dim(0), in.dim(1), in.dim(2), out, kernel, kernel, stride, padding(), groups);
    }

    @Override
    public Shape outputShape(Shape in) {
        ConvGeom g = geom(1, in);
        return Shape.of(out, g.oh(), g.ow());
    }

    /** One multiply-add per weight per output pixel, as a direct convolution counts them. */
    @Override
    public long multiplyAdds(Shape in) {
        ConvGeom g = geom(1, in);
        return g.weight().size() * g.oh() * g.ow();
    }

    @Override
    public Map<String, Shape> paramShapes(Shape in) {
        Map<String, Shape> m = new LinkedHashMap<>();
        m.put("weight", geom(1, in).weight());
        if (bias) {
            m.put("bias", Shape.of(out));
        }
        return m;
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        this.in = in;
        Shape w = geom(1, in).weight();
        int fanIn = w.dim(1) * kernel * kernel;
        params.add("weight", b.upload(w, init.weights(out * fanIn, fanIn, out * kernel * kernel, rnd)), b.zeros(w));
        if (bias) {
            params.add("bias", b.zeros(Shape.of(out)), b.zeros(Shape.of(out)));
        }
    }

    Buf weight() {
        return params.value("weight");
    }

    /** The bias, or null for a convolution without one. */
    Buf biasValue() {
        return bias ? params.value("bias") : null;
    }

    /** next, a ReLU or ReLU6 that alone reads this layer's output, becomes this convolution's epilogue and passes values through. */
    void fuseActivation(ActivationLayer next) {
        act = next.kind;
        next.passThrough();
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        g = geom(x.shape().dim(0), in);
        y = ws.get(b, "y", g.output());
        Shape keep = training ? b.convKept(g) : null;
        kept = keep == null ? null : ws.get(b, "kept", keep);
        if (kept != null) {
            b.conv2dForwardKeeping(x, weight(), biasValue(), g, act, y, kept);
        } else {
            b.conv2dForward(x, weight(), biasValue(), g, act, y);
        }
        return y;
    }

    /**
     * Inference only: maxpool2x2(act(conv(x) + bias)), a conv-relu-maxpool(2) whose pool the
     * backend does as the convolution stores (Backend.conv2dForwardMaxPool); null, nothing done,
     * where it cannot (the pool layer then runs). Nothing is kept for backward.
     */
    Buf forwardMaxPool(Buf x) {
        ConvGeom gx = geom(x.shape().dim(0), in);
        if (gx.oh() < 2 || gx.ow() < 2) {
            return null;
        }
        Buf pooled = ws.get(b, "pooled", Shape.of(gx.n(), out, gx.oh() / 2, gx.ow() / 2));
        if (!b.conv2dForwardMaxPool(x, weight(), biasValue(), gx, act, pooled)) {
            return null;
        }
        this.x = x;
        g = gx;
        kept = null;
        return pooled;
    }

    /** Whether forwardResidual may take this layer's output: it has no activation of its own in its epilogue. */
    boolean linearOutput() {
        return act == null;
    }

    /**
     * Inference only: into = addAct(conv(x) + bias + residual), a residual block's add (and the
     * ReLU after it) in this convolution's epilogue, for the add node that alone reads this
     * layer (Graph). Nothing is kept for backward.
     */
    Buf forwardResidual(Buf x, Buf residual, Activation addAct, Buf into) {
        this.x = x;
        g = geom(x.shape().dim(0), in);
        kept = null;
        y = into;
        b.conv2dForwardResidual(x, weight(), biasValue(), g, residual, addAct, into);
        return into;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (act != null) { // the activation's gradient first: its output tells where it passed (y > 0; below 6 for ReLU6)
            Buf masked = ws.scratch(b, "dy", dy.shape());
            b.activationBackward(act, 0f, y, y, dy, masked);
            dy = masked;
        }
        Buf dx = needDx ? ws.gradient(b, "dx", g.input()) : null;
        Buf db = bias && !frozen ? params.grad("bias") : null, dw = frozen ? null : params.grad("weight");
        if (kept != null) {
            b.conv2dBackwardKept(x, weight(), dy, g, dx, dw, db, kept);
        } else {
            b.conv2dBackward(x, weight(), dy, g, dx, dw, db);
        }
        if (act != null) {
            ws.done(dy);
        }
        return dx;
    }

    @Override
    public void frozen(java.util.Set<String> names) {
        frozen = names.contains("weight") && (!bias || names.contains("bias"));
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
    }
}
