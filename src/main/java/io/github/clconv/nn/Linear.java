package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/** Fully connected layer, y = x W^T + b with W [out, in], as PyTorch's Linear. */
public final class Linear implements Layer {
    final int out;
    private final Workspace ws = new Workspace();
    final ParamSet params = new ParamSet();
    private Backend b;
    private Buf x, y;
    private io.github.clconv.backend.Activation act; // a ReLU or ReLU6 after this layer, applied as the bias is added (Fusion)

    public Linear(int out) {
        if (out < 1) {
            throw new IllegalArgumentException("linear(" + out + "): the output size must be >= 1");
        }
        this.out = out;
    }

    @Override
    public Layer fresh() {
        return new Linear(out);
    }

    @Override
    public String spec() {
        return "linear(" + out + ")";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 1) {
            throw new IllegalArgumentException(spec() + " needs a flat input; put flatten before it (input is " + in + ")");
        }
        return Shape.of(out);
    }

    @Override
    public long multiplyAdds(Shape in) {
        return (long) out * in.dim(0);
    }

    @Override
    public java.util.Map<String, Shape> paramShapes(Shape in) {
        java.util.Map<String, Shape> m = new java.util.LinkedHashMap<>();
        m.put("weight", Shape.of(out, in.dim(0)));
        m.put("bias", Shape.of(out));
        return m;
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        int fanIn = in.dim(0);
        params.add("weight", b.upload(Shape.of(out, fanIn), init.weights(out * fanIn, fanIn, out, rnd)), b.zeros(Shape.of(out, fanIn)));
        params.add("bias", b.zeros(Shape.of(out)), b.zeros(Shape.of(out)));
    }

    /** next, a ReLU or ReLU6 that alone reads this layer's output, is applied as the bias is added and passes values through. */
    void fuseActivation(ActivationLayer next) {
        act = next.kind;
        next.passThrough();
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        y = ws.get(b, "y", Shape.of(x.shape().dim(0), out));
        b.linearForward(x, params.value("weight"), params.value("bias"), act, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (act != null) { // the activation's gradient first, from its output (as Conv2d's)
            Buf masked = ws.scratch(b, "dy", dy.shape());
            b.activationBackward(act, 0f, y, y, dy, masked);
            dy = masked;
        }
        Buf dx = needDx ? ws.gradient(b, "dx", x.shape()) : null;
        b.linearBackward(x, params.value("weight"), dy, dx, frozen ? null : params.grad("weight"), frozen ? null : params.grad("bias"));
        if (act != null) {
            ws.done(dy);
        }
        return dx;
    }

    private boolean frozen; // weight and bias kept as they are: no gradient for them

    @Override
    public void frozen(java.util.Set<String> names) {
        frozen = names.contains("weight") && names.contains("bias");
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
