package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;

/**
 * Max or average pooling with a square window; stride defaults to the kernel size, as in PyTorch;
 * pad zero-pads each side (at most half the kernel): a max never picks the padding, an average
 * counts it (count_include_pad=True). ResNet's stem is maxpool(3,s=2,p=1).
 */
public final class Pool2d implements Layer {
    final boolean max;
    final int kernel, stride, pad;
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape in;
    private PoolGeom g;

    public Pool2d(boolean max, int kernel, int stride) {
        this(max, kernel, stride, 0);
    }

    public Pool2d(boolean max, int kernel, int stride, int pad) {
        if (pad < 0 || 2 * pad > kernel) {
            throw new IllegalArgumentException((max ? "maxpool" : "avgpool") + ": padding " + pad + " must be between 0 and half the kernel " + kernel);
        }
        this.max = max;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
    }

    public boolean isMax() {
        return max;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return pad;
    }

    /** A max pool of 2x2 windows, stride 2, no padding: the one a convolution can do as it stores (Conv2d.forwardMaxPool). */
    boolean isMax2x2() {
        return max && kernel == 2 && stride == 2 && pad == 0;
    }

    @Override
    public Layer fresh() {
        return new Pool2d(max, kernel, stride, pad);
    }

    @Override
    public String spec() {
        return (max ? "maxpool(" : "avgpool(") + kernel + (stride != kernel ? ",s=" + stride : "") + (pad != 0 ? ",p=" + pad : "") + ")";
    }

    private PoolGeom geom(int n, Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException(spec() + " needs an image input [C,H,W], got " + in);
        }
        return new PoolGeom(n, in.dim(0), in.dim(1), in.dim(2), kernel, stride, pad);
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
        Buf dx = ws.gradient(b, "dx", g.input());
        if (max) {
            b.maxPoolBackward(dy, ws.get(b, "argmax", g.output()), g, dx);
        } else {
            b.avgPoolBackward(dy, g, dx);
        }
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
