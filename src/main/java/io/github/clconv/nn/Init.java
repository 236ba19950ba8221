package io.github.clconv.nn;

import java.util.Random;

/**
 * Weight initialisation, seeded: He (normal, std sqrt(2 / fan_in)) for ReLU-family
 * nets, Xavier (uniform, limit sqrt(6 / (fan_in + fan_out))) for sigmoid/tanh nets.
 * Biases start at zero.
 */
public enum Init {
    HE, XAVIER;

    public float[] weights(int count, int fanIn, int fanOut, Random rnd) {
        float[] w = new float[count];
        if (this == HE) {
            double std = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < count; i++) {
                w[i] = (float) (rnd.nextGaussian() * std);
            }
        } else {
            double limit = Math.sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < count; i++) {
                w[i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
            }
        }
        return w;
    }

    /** He where any activation is of the ReLU family (or there is none), Xavier where all are sigmoid or tanh. */
    public static Init forLayers(java.util.List<Layer> layers) {
        boolean relu = false, squash = false;
        for (Layer l : layers) {
            if (l instanceof ActivationLayer a) {
                boolean s = a.kind == io.github.clconv.backend.Activation.SIGMOID || a.kind == io.github.clconv.backend.Activation.TANH;
                squash |= s;
                relu |= !s;
            }
        }
        return squash && !relu ? XAVIER : HE;
    }
}
