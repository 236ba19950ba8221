package io.github.clconv.backend;

/**
 * Reference batch normalisation over [N, C] or [N, C, H, W]: statistics per channel over
 * N*H*W values, biased variance to normalise, unbiased variance into the running
 * estimate (as PyTorch does).
 */
final class ReferenceNorm {
    private ReferenceNorm() {
    }

    static void trainForward(double[] x, int n, int c, int hw, double[] gamma, double[] beta, double[] runMean, double[] runVar,
                             double momentum, double eps, double[] y, double[] saveMean, double[] saveInvStd) {
        int m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < hw; j++) {
                    mean += x[(i * c + ch) * hw + j];
                }
            }
            mean /= m;
            double var = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < hw; j++) {
                    double d = x[(i * c + ch) * hw + j] - mean;
                    var += d * d;
                }
            }
            var /= m;
            double inv = 1 / Math.sqrt(var + eps);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < hw; j++) {
                    int k = (i * c + ch) * hw + j;
                    y[k] = (x[k] - mean) * inv * gamma[ch] + beta[ch];
                }
            }
            saveMean[ch] = mean;
            saveInvStd[ch] = inv;
            runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mean;
            runVar[ch] = (1 - momentum) * runVar[ch] + momentum * (m > 1 ? var * m / (m - 1) : var);
        }
    }

    static void inferForward(double[] x, int n, int c, int hw, double[] gamma, double[] beta, double[] runMean, double[] runVar,
                             double eps, double[] y) {
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                double inv = 1 / Math.sqrt(runVar[ch] + eps);
                for (int j = 0; j < hw; j++) {
                    int k = (i * c + ch) * hw + j;
                    y[k] = (x[k] - runMean[ch]) * inv * gamma[ch] + beta[ch];
                }
            }
        }
    }

    static void backward(double[] x, int n, int c, int hw, double[] gamma, double[] saveMean, double[] saveInvStd, double[] dy,
                         double[] dx, double[] dgamma, double[] dbeta) {
        int m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double sumDy = 0, sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < hw; j++) {
                    int k = (i * c + ch) * hw + j;
                    sumDy += dy[k];
                    sumDyXhat += dy[k] * (x[k] - saveMean[ch]) * saveInvStd[ch];
                }
            }
            dgamma[ch] = sumDyXhat;
            dbeta[ch] = sumDy;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < hw; j++) {
                    int k = (i * c + ch) * hw + j;
                    double xhat = (x[k] - saveMean[ch]) * saveInvStd[ch];
                    dx[k] = gamma[ch] * saveInvStd[ch] / m * (m * dy[k] - sumDy - xhat * sumDyXhat);
                }
            }
        }
    }
}
