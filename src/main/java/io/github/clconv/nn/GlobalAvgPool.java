package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/** [C, H, W] to [C]: the mean of each channel's plane (PyTorch's adaptive_avg_pool2d(x, 1) then flatten). */
public final class GlobalAvgPool implements Layer {
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape inShape;

    @Override
    public Layer fresh() {
        return new GlobalAvgPool();
    }

    @Override
    public String spec() {
        return "gap";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException("gap needs an image input [C,H,W], got " + in);
        }
        return Shape.of(in.dim(0));
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        inShape = x.shape();
        Buf y = ws.get(b, "y", Shape.of(x.shape().dim(0), x.shape().dim(1)));
        b.globalAvgPoolForward(x, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (!needDx) {
            return null;
        }
        Buf dx = ws.gradient(b, "dx", inShape);
        b.globalAvgPoolBackward(dy, dx);
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
