package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/** A device convolution's output against the reference's on the same numbers, for the convolution tests of this package. */
final class ConvReference {
    /** Relative to the largest reference value: sums in another order. */
    static final double TOLERANCE = 1e-4;

    private ConvReference() {
    }

    /** null where y (b's conv2dForward of x, w, bias, act) agrees with the reference's, else what differs and by how much. */
    static String disagreement(ClBackend b, ReferenceBackend ref, ConvGeom g, Activation act, Buf x, Buf w, Buf bias, Buf y) {
        float[] got = b.download(y);
        try (Buf rx = ref.upload(g.input(), b.download(x)); Buf rw = ref.upload(g.weight(), b.download(w));
             Buf rb = bias == null ? null : ref.upload(bias.shape(), b.download(bias)); Buf ry = ref.zeros(g.output())) {
            ref.conv2dForward(rx, rw, rb, g, act, ry);
            return differs(got, ref.download(ry), g + (act == null ? "" : " +" + act.token) + (bias == null ? "" : " +bias"));
        }
    }

    /** null where got agrees with want, else what differs and by how much. */
    static String differs(float[] got, float[] want, String what) {
        double max = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            err = Math.max(err, Math.abs(got[i] - want[i]));
        }
        return err <= TOLERANCE * (max + 1e-6) ? null : what + " differs from the reference by " + err + " (max " + max + ")";
    }

    static Buf random(ClBackend b, Shape s, Random rnd) {
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return b.upload(s, v);
    }
}
