package io.github.clconv.nn;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** An element-wise activation (Activation), alpha the slope below 0 where it takes one. */
public final class ActivationLayer implements Layer {
    final Activation kind;
    final float alpha;
    private final Workspace ws = new Workspace();
    private Backend b;
    private Buf x, y;
    private boolean through; // the layer before applies this activation (Fusion: BatchNorm and Conv2d.fuseActivation)

    void passThrough() {
        through = true;
    }

    /** Whether the layer before applies this activation, and this one passes values on. */
    boolean passesThrough() {
        return through;
    }

    public ActivationLayer(Activation kind, float alpha) {
        this.kind = kind;
        this.alpha = alpha;
    }

    public Activation kind() {
        return kind;
    }

    public float alpha() {
        return alpha;
    }

    @Override
    public Layer fresh() {
        return new ActivationLayer(kind, alpha);
    }

    @Override
    public String spec() {
        return kind.takesAlpha() ? kind.token + "(" + alpha + ")" : kind.token;
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }

    @Override
    public void build(Backend b, Shape in, Init init, java.util.Random rnd) {
        this.b = b;
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        if (through) {
            return x;
        }
        this.x = x;
        y = ws.get(b, "y", x.shape());
        b.activationForward(kind, alpha, x, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (through) {
            return ws.passOn(dy);
        }
        Buf dx = ws.gradient(b, "dx", x.shape());
        b.activationBackward(kind, alpha, x, y, dy, dx);
        return dx;
    }

    @Override
    public void share(GradientPool pool) {
        ws.share(pool);
    }

    @Override
    public void close() {
        ws.close();
    }
}
