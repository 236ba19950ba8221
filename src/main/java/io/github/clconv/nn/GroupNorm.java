package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/**
 * Normalisation within each sample, which batch size does not disturb (batches of 4 to 16
 * at 224x224 make batch norm's statistics noise): GroupNorm(G) over groups of C/G channels,
 * InstanceNorm2d over each channel (affine, no running statistics, as PyTorch's
 * InstanceNorm2d(C, affine=True)), LayerNorm over all of C, H, W (its weight and bias of that
 * shape, as PyTorch's LayerNorm([C, H, W])) or over the features of a flat input. eps 1e-5;
 * training and inference compute the same thing. state_dict names: weight, bias.
 */
public final class GroupNorm implements Layer {
    public enum Kind { GROUP, INSTANCE, LAYER }

    public static final float EPS = 1e-5f;
    private final Kind kind;
    private final int groups; // GROUP only
    private final Workspace ws = new Workspace();
    final ParamSet params = new ParamSet();
    private Backend b;
    private Buf x;
    private int g;

    /** GroupNorm with groups groups. */
    public static GroupNorm groups(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("gn: the group count must be >= 1, got " + groups);
        }
        return new GroupNorm(Kind.GROUP, groups);
    }

    public static GroupNorm instance() {
        return new GroupNorm(Kind.INSTANCE, 0);
    }

    public static GroupNorm layer() {
        return new GroupNorm(Kind.LAYER, 0);
    }

    private GroupNorm(Kind kind, int groups) {
        this.kind = kind;
        this.groups = groups;
    }

    @Override
    public Layer fresh() {
        return new GroupNorm(kind, groups);
    }

    @Override
    public String spec() {
        return switch (kind) {
            case GROUP -> "gn(" + groups + ")";
            case INSTANCE -> "in";
            case LAYER -> "ln";
        };
    }

    @Override
    public Shape outputShape(Shape in) {
        if (in.rank() != 3 && !(in.rank() == 1 && kind != Kind.INSTANCE)) {
            throw new IllegalArgumentException(spec() + " needs an image [C,H,W]" + (kind == Kind.INSTANCE ? "" : " or a flat input") + ", got " + in);
        }
        if (kind == Kind.GROUP && in.dim(0) % groups != 0) {
            throw new IllegalArgumentException("gn(" + groups + "): " + groups + " groups do not divide " + in.dim(0) + " channels");
        }
        return in;
    }

    private Shape affine(Shape in) {
        return kind == Kind.LAYER ? in : Shape.of(in.dim(0));
    }

    @Override
    public java.util.Map<String, Shape> paramShapes(Shape in) {
        outputShape(in);
        return java.util.Map.of("weight", affine(in), "bias", affine(in));
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        outputShape(in);
        Shape a = affine(in);
        float[] ones = new float[a.size()];
        java.util.Arrays.fill(ones, 1f);
        params.add("weight", b.upload(a, ones), b.zeros(a));
        params.add("bias", b.zeros(a), b.zeros(a));
        g = switch (kind) {
            case GROUP -> groups;
            case INSTANCE -> in.dim(0);
            case LAYER -> 1;
        };
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        Buf y = ws.get(b, "y", x.shape());
        Shape stats = Shape.of(x.shape().dim(0) * g);
        b.groupNormForward(x, g, params.value("weight"), params.value("bias"), EPS, y, ws.get(b, "mean", stats), ws.get(b, "invstd", stats));
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = ws.gradient(b, "dx", x.shape());
        Shape stats = Shape.of(x.shape().dim(0) * g);
        b.groupNormBackward(x, g, params.value("weight"), ws.get(b, "mean", stats), ws.get(b, "invstd", stats), dy, dx, params.grad("weight"),
                params.grad("bias"));
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
