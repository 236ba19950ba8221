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
    private Backend b;
    Buf weight, bias, dWeight, dBias;
    private Buf x;

    public Linear(int out) {
        if (out < 1) {
            throw new IllegalArgumentException("linear(" + out + "): the output size must be >= 1");
        }
        this.out = out;
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
        weight = b.upload(Shape.of(out, fanIn), init.weights(out * fanIn, fanIn, out, rnd));
        bias = b.zeros(Shape.of(out));
        dWeight = b.zeros(weight.shape());
        dBias = b.zeros(bias.shape());
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        this.x = x;
        Buf y = ws.get(b, "y", Shape.of(x.shape().dim(0), out));
        b.linearForward(x, weight, bias, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        Buf dx = needDx ? ws.get(b, "dx", x.shape()) : null;
        b.linearBackward(x, weight, dy, dx, dWeight, dBias);
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
