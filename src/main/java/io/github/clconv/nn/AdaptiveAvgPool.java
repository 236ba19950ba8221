package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/**
 * [C, H, W] to [C, OH, OW] whatever H and W are: PyTorch's AdaptiveAvgPool2d((OH, OW)), which
 * lets VGG's classifier take any input size (windows overlap, or repeat pixels when the plane
 * is smaller than the output).
 */
public final class AdaptiveAvgPool implements Layer {
    /** Output sides are bounded as a spec's sizes are, so a file cannot ask for an absurd plane. */
    public static final int MAX_SIDE = 4096;
    private final int oh, ow;
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape inShape;

    public AdaptiveAvgPool(int oh, int ow) {
        if (oh < 1 || ow < 1 || oh > MAX_SIDE || ow > MAX_SIDE) {
            throw new IllegalArgumentException("adaptiveavgpool(" + oh + "," + ow + "): output sides must lie in [1, " + MAX_SIDE + "]");
        }
        this.oh = oh;
        this.ow = ow;
    }

    public int outHeight() {
        return oh;
    }

    public int outWidth() {
        return ow;
    }

    @Override
    public Layer fresh() {
        return new AdaptiveAvgPool(oh, ow);
    }

    @Override
    public String spec() {
        return "adaptiveavgpool(" + oh + (ow != oh ? "," + ow : "") + ")";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException(spec() + " needs an image input [C,H,W], got " + in);
        }
        return Shape.of(in.dim(0), oh, ow);
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        inShape = x.shape();
        Buf y = ws.get(b, "y", Shape.of(x.shape().dim(0), x.shape().dim(1), oh, ow));
        b.adaptiveAvgPoolForward(x, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (!needDx) {
            return null;
        }
        Buf dx = ws.gradient(b, "dx", inShape);
        b.adaptiveAvgPoolBackward(dy, dx);
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
