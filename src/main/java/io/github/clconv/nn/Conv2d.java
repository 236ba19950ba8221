package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

import java.util.List;
import java.util.Random;

/** 2-d convolution with bias, square kernel; weight [out, in, k, k] as PyTorch's Conv2d. */
public final class Conv2d implements Layer {
    final int out, kernel, stride, pad;
    private final Workspace ws = new Workspace();
    private Backend b;
    private Shape in;
    Buf weight, bias, dWeight, dBias;
    private Buf x, kept; // kept: what the backend saves from a training forward for backward
    private ConvGeom g;

    public Conv2d(int out, int kernel, int stride, int pad) {
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
    }

    @Override
    public String spec() {
        return "conv(" + out + "," + kernel + (stride != 1 ? ",s=" + stride : "") + (pad != 0 ? ",p=" + pad : "") + ")";
    }

    private ConvGeom geom(int n, Shape in) {
        if (in.rank() != 3) {
            throw new IllegalArgumentException(spec() + " needs an image input [C,H,W], got " + in);
        }
        return new ConvGeom(n, in.dim(0), in.dim(1), in.dim(2), out, kernel, kernel, stride, pad);
    }

    @Override
    public Shape outputShape(Shape in) {
        ConvGeom g = geom(1, in);
        return Shape.of(out, g.oh(), g.ow());
    }

    @Override
    public java.util.Map<String, Shape> paramShapes(Shape in) {
        java.util.Map<String, Shape> m = new java.util.LinkedHashMap<>();
        m.put("weight", Shape.of(out, in.dim(0), kernel, kernel));
        m.put("bias", Shape.of(out));
        return m;
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        this.in = in;
        int fanIn = in.dim(0) * kernel * kernel;
        weight = b.upload(Shape.of(out, in.dim(0), kernel, kernel), init.weights(out * fanIn, fanIn, out * kernel * kernel, rnd));
        bias = b.zeros(Shape.of(out));
        dWeight = b.zeros(weight.shape());
        dBias = b.zeros(bias.shape());
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        g = geom(x.shape().dim(0), in);
        Buf y = ws.get(b, "y", g.output());
        Shape keep = training ? b.convKept(g) : null;
        kept = keep == null ? null : ws.get(b, "kept", keep);
        if (kept != null) {
            b.conv2dForwardKeeping(x, weight, bias, g, y, kept);
        } else {
            b.conv2dForward(x, weight, bias, g, y);
        }
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = needDx ? ws.get(b, "dx", g.input()) : null;
        if (kept != null) {
            b.conv2dBackwardKept(x, weight, dy, g, dx, dWeight, dBias, kept);
        } else {
            b.conv2dBackward(x, weight, dy, g, dx, dWeight, dBias);
        }
        return dx;
    }

    @Override
    public List<Param> params() {
        return List.of(new Param("weight", weight, dWeight), new Param("bias", bias, dBias));
    }

    @Override
    public void adopt(List<Param> trainable) {
        for (Buf t : new Buf[]{weight, dWeight, bias, dBias}) {
            t.close();
        }
        weight = trainable.get(0).value();
        dWeight = trainable.get(0).grad();
        bias = trainable.get(1).value();
        dBias = trainable.get(1).grad();
    }

    @Override
    public void close() {
        ws.close();
        for (Buf t : new Buf[]{weight, bias, dWeight, dBias}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
