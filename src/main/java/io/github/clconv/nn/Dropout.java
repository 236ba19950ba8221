package io.github.clconv.nn;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/**
 * Inverted dropout in training, identity in inference. Each training call draws a new
 * mask from Philox keyed by (the layer's seed, the call count), so a run is repeatable.
 */
public final class Dropout implements Layer {
    final float p;
    private final Workspace ws = new Workspace();
    private Backend b;
    private long seed, calls;
    private Buf mask;

    public Dropout(float p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout(" + p + "): p must lie in [0, 1)");
        }
        this.p = p;
    }

    @Override
    public Layer fresh() {
        return new Dropout(p);
    }

    @Override
    public String spec() {
        return "dropout(" + p + ")";
    }

    @Override
    public Shape outputShape(Shape in) {
        return in;
    }

    /** {seed, calls}: what its next mask is drawn from (a resumed run continues the sequence). */
    public long[] randomState() {
        return new long[]{seed, calls};
    }

    public void randomState(long seed, long calls) {
        this.seed = seed;
        this.calls = calls;
    }

    @Override
    public void build(Backend b, Shape in, Init init, Random rnd) {
        this.b = b;
        this.seed = rnd.nextLong();
    }

    @Override
    public Buf forward(Buf x, boolean training) {
        if (!training || p == 0) {
            mask = null;
            return x;
        }
        mask = ws.get(b, "mask", x.shape());
        Buf y = ws.get(b, "y", x.shape());
        b.dropoutForward(x, p, seed + 0x9E3779B97F4A7C15L * ++calls, mask, y);
        return y;
    }

    @Override
    public Buf backward(Buf dy, boolean needDx) {
        if (mask == null) {
            return ws.passOn(dy);
        }
        Buf dx = ws.gradient(b, "dx", dy.shape());
        b.dropoutBackward(dy, mask, dx);
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
