package io.github.clconv.backend;

/** Reference softmax, log-softmax, softmax-cross-entropy and MSE, straight from the definitions (opencl/loss.cl, ClLoss on the device). */
final class ReferenceLoss {
    private ReferenceLoss() {
    }

    static void softmaxForward(double[] x, int rows, int cols, double[] y, boolean log) {
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[r * cols + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(x[r * cols + c] - max);
            }
            double lse = max + Math.log(sum);
            for (int c = 0; c < cols; c++) {
                y[r * cols + c] = log ? x[r * cols + c] - lse : Math.exp(x[r * cols + c] - lse);
            }
        }
    }

    static void softmaxBackward(double[] y, double[] dy, int rows, int cols, double[] dx, boolean log) {
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += log ? dy[r * cols + c] : dy[r * cols + c] * y[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                dx[i] = log ? dy[i] - Math.exp(y[i]) * s : y[i] * (dy[i] - s);
            }
        }
    }

    /** smoothing e: the target is 1 - e + e/cols at the label and e/cols elsewhere (torch's label_smoothing). */
    static void xentForward(double[] logits, double[] labels, int rows, int cols, double smoothing, double[] probs, double[] loss) {
        softmaxForward(logits, rows, cols, probs, true);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int label = label(labels[r], cols, r);
            double meanLog = 0;
            for (int c = 0; c < cols; c++) {
                meanLog += probs[r * cols + c] / cols;
            }
            total -= (1 - smoothing) * probs[r * cols + label] + smoothing * meanLog;
            for (int c = 0; c < cols; c++) {
                probs[r * cols + c] = Math.exp(probs[r * cols + c]);
            }
        }
        loss[0] = total / rows;
    }

    static void xentBackward(double[] probs, double[] labels, int rows, int cols, double smoothing, double[] dlogits) {
        for (int r = 0; r < rows; r++) {
            int label = label(labels[r], cols, r);
            for (int c = 0; c < cols; c++) {
                double target = (c == label ? 1 - smoothing : 0) + smoothing / cols;
                dlogits[r * cols + c] = (probs[r * cols + c] - target) / rows;
            }
        }
    }

    private static int label(double v, int classes, int row) {
        int l = (int) v;
        if (l != v || l < 0 || l >= classes) {
            throw new IllegalArgumentException("softmax_xent: label " + v + " of row " + row + " is out of range [0, " + classes + ")");
        }
        return l;
    }

    static void mseForward(double[] y, double[] t, double[] loss) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (y[i] - t[i]) * (y[i] - t[i]);
        }
        loss[0] = s / y.length;
    }

    static void mseBackward(double[] y, double[] t, double[] dy) {
        for (int i = 0; i < y.length; i++) {
            dy[i] = 2 * (y[i] - t[i]) / y.length;
        }
    }
}
