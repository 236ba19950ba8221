package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

/** Max or average pooling with a square window; stride defaults to the kernel size, as in PyTorch. */
public final class Pool2d implements Layer {
    final boolean max;
    final int kernel, stride;
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape in;
    private PoolGeom g;

    public Pool2d(boolean max, int kernel, int stride) {
        this.max = max;
        this.kernel = kernel;
        this.stride = stride;
    }

    @Override
    public Layer fresh() {
        return new Pool2d(max, kernel, stride);
    }

    @Override
    public String spec() {
        return (max ? "maxpool(" : "avgpool(") + kernel + (stride != kernel ? ",s=" + stride : "") + ")";
    }

    private PoolGeom geom(int n, Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException(spec() + " needs an image input [C,H,W], got " + in);
        }
        return new PoolGeom(n, in.dim(0), in.dim(1), in.dim(2), kernel, stride, 0);
    }

    @Override
    public Shape outputShape(Shape in) {
        PoolGeom g = geom(1, in);
        return Shape.of(in.dim(0), g.oh(), g.ow());
    }

    @Override
    public void build(Backend b, Shape in, Init init, java.util.Random rnd) {
        this.b = b;
        this.in = in;
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        g = geom(x.shape().dim(0), in);
        Buf y = ws.get(b, "y", g.output());
        if (max) {
            b.maxPoolForward(x, g, y, ws.get(b, "argmax", g.output()));
        } else {
            b.avgPoolForward(x, g, y);
        }
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.get(b, "dx", g.input());
        if (max) {
            b.maxPoolBackward(dy, ws.get(b, "argmax", g.output()), g, dx);
        } else {
            b.avgPoolBackward(dy, g, dx);
        }
        return dx;
    }

    @Override
    public void close() {
        ws.close();
    }
}
