package io.github.clconv.backend;

/** Reference activations, dropout and element-wise arithmetic, straight from the definitions. */
final class ReferenceElementwise {
    private ReferenceElementwise() {
    }

    static void activationForward(Activation a, double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            y[i] = switch (a) {
                case RELU -> v > 0 ? v : 0;
                case LEAKY_RELU -> v > 0 ? v : alpha * v;
                case SIGMOID -> 1 / (1 + Math.exp(-v));
                case TANH -> Math.tanh(v);
            };
        }
    }

    static void activationBackward(Activation a, double alpha, double[] x, double[] y, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) {
            double slope = switch (a) {
                case RELU -> x[i] > 0 ? 1 : 0;
                case LEAKY_RELU -> x[i] > 0 ? 1 : alpha;
                case SIGMOID -> y[i] * (1 - y[i]);
                case TANH -> 1 - y[i] * y[i];
            };
            dx[i] = dy[i] * slope;
        }
    }

    static void dropoutForward(double[] x, float p, long seed, double[] mask, double[] y) {
        double scale = 1.0 / (1.0 - p);
        for (int i = 0; i < x.length; i++) {
            mask[i] = Philox.uniform(seed, i) >= p ? scale : 0;
            y[i] = x[i] * mask[i];
        }
    }

    static void mul(double[] a, double[] b, double[] out) {
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * b[i];
        }
    }
}
