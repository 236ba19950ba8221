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
                case SOFTPLUS -> softplus(v);
                case SILU -> v / (1 + Math.exp(-v));
                case MISH -> v * Math.tanh(softplus(v));
                case RELU6 -> Math.min(Math.max(v, 0), 6);
            };
        }
    }

    static void activationBackward(Activation a, double alpha, double[] x, double[] y, double[] dy, double[] dx) {
        for (int i = 0; i < x.length; i++) {
            double slope = switch (a) {
                case RELU -> x[i] > 0 ? 1 : 0;
                case RELU6 -> x[i] > 0 && x[i] < 6 ? 1 : 0; // as PyTorch's hardtanh: none at either corner
                case LEAKY_RELU -> x[i] > 0 ? 1 : alpha;
                case SIGMOID -> y[i] * (1 - y[i]);
                case TANH -> 1 - y[i] * y[i];
                case SOFTPLUS -> x[i] > 20 ? 1 : sigmoid(x[i]);
                case SILU -> sigmoid(x[i]) * (1 + x[i] * (1 - sigmoid(x[i])));
                case MISH -> {
                    double t = Math.tanh(softplus(x[i]));
                    yield t + x[i] * (1 - t * t) * (x[i] > 20 ? 1 : sigmoid(x[i]));
                }
            };
            dx[i] = dy[i] * slope;
        }
    }

    /** PReLU over x [N, C, S]: the slope of channel c below 0. */
    static void preluForward(double[] x, double[] a, int C, int S, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] > 0 ? x[i] : a[i / S % C] * x[i];
        }
    }

    static void preluBackward(double[] x, double[] a, int C, int S, double[] dy, double[] dx, double[] da) {
        java.util.Arrays.fill(da, 0);
        for (int i = 0; i < x.length; i++) {
            int c = i / S % C;
            dx[i] = x[i] > 0 ? dy[i] : a[c] * dy[i];
            da[c] += x[i] > 0 ? 0 : dy[i] * x[i];
        }
    }

    /** PyTorch's Softplus(beta=1, threshold=20). */
    static double softplus(double v) {
        return v > 20 ? v : Math.log1p(Math.exp(v));
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
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
