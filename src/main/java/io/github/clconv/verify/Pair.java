package io.github.clconv.verify;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A device backend and the reference side by side: the same inputs go to both, and
 * each tensor is a pair (index 0 on the device, 1 in the reference). Closing the pair
 * releases every tensor it made.
 */
public final class Pair implements AutoCloseable {
    public final Backend dev;
    public final ReferenceBackend ref;
    private final List<Buf> owned = new ArrayList<>();

    public Pair(Backend dev, ReferenceBackend ref) {
        this.dev = dev;
        this.ref = ref;
    }

    public Backend side(int i) {
        return i == 0 ? dev : ref;
    }

    public Buf[] data(Shape s, float[] v) {
        Buf[] b = {dev.upload(s, v), ref.upload(s, v)};
        owned.add(b[0]);
        owned.add(b[1]);
        return b;
    }

    public Buf[] uniform(Shape s, Random rnd, float lo, float hi) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rnd.nextFloat();
        }
        return data(s, v);
    }

    public Buf[] normal(Shape s, Random rnd) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return data(s, v);
    }

    public Buf[] zeros(Shape s) {
        return data(s, new float[s.size()]);
    }

    /** Runs the op on both sides: body receives the backend and the side index. */
    public void run(Op body) {
        body.apply(dev, 0);
        body.apply(ref, 1);
    }

    public CheckResult compare(String op, String shape, double tol, Buf[]... outputs) {
        float[][] d = new float[outputs.length][];
        double[][] r = new double[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            d[i] = dev.download(outputs[i][0]);
            r[i] = ref.raw(outputs[i][1]);
        }
        return Agreement.compare(op, shape, tol, d, r);
    }

    @Override
    public void close() {
        owned.forEach(Buf::close);
        owned.clear();
    }

    @FunctionalInterface
    public interface Op {
        void apply(Backend b, int side);
    }
}
