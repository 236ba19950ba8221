package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/**
 * PReLU with one learned slope per channel (PyTorch's nn.PReLU(num_parameters=C), slopes
 * starting at 0.25, state_dict name weight): y = x for x > 0, else weight[c] * x; over an
 * image's channels or a flat input's features.
 */
public final class PRelu implements Layer {
    public static final float INIT = 0.25f;
    private final Workspace ws = new Workspace();
    final ParamSet params = new ParamSet();
    private Backend b;
    private Buf x;

    @Override
    public Layer fresh() {
        return new PRelu();
    }

    @Override
    public String spec() {
        return "prelu";
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3 && in.rank() != 1) {
            throw new IllegalArgumentException("prelu needs an image [C,H,W] or a flat input, got " + in);
        }
        return in;
    }

    @Override
    public java.util.Map<String, Shape> paramShapes(Shape in) {
        return java.util.Map.of("weight", Shape.of(outputShape(in).dim(0)));
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        Shape ch = Shape.of(outputShape(in).dim(0));
        float[] slopes = new float[ch.size()];
        java.util.Arrays.fill(slopes, INIT);
        params.add("weight", b.upload(ch, slopes), b.zeros(ch));
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        Buf y = ws.get(b, "y", x.shape());
        b.preluForward(x, params.value("weight"), y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.gradient(b, "dx", x.shape());
        b.preluBackward(x, params.value("weight"), dy, dx, params.grad("weight"));
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
    public void share(GradientPool pool) {
        ws.share(pool);
    }

    @Override
    public void close() {
        ws.close();
        params.close();
    }
}
