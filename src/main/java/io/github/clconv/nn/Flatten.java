package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** [N, C, H, W] seen as [N, C*H*W]: a view, no copy. */
public final class Flatten implements Layer {
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape inShape;

    @Override
    public Layer fresh() {
        return new Flatten();
    }

    @Override
    public String spec() {
        return "flatten";
    }

    @Override
    public Shape outputShape(Shape in) {
        return Shape.of(in.size());
    }

    @Override
    public void build(Backend b, Shape in, Init init, java.util.Random rnd) {
        this.b = b;
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        inShape = x.shape();
        return ws.view(b, "y", x, Shape.of(x.shape().dim(0), x.shape().perSample()));
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        return ws.gradientView(b, "dx", dy, inShape);
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
