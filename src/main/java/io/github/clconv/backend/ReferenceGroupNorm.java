package io.github.clconv.backend;

/**
 * Reference group normalisation, from the definitions in double precision: x [N, C, S] in G
 * groups of C/G channels per sample (InstanceNorm: G = C; LayerNorm: G = 1); gamma and beta
 * per channel, or per element of a sample (affine = C*S). The forward/backward pair behind
 * Backend.groupNorm*.
 */
final class ReferenceGroupNorm {
    private ReferenceGroupNorm() {
    }

    private static int affine(int n, int c, int s, int C, int S, int len) {
        return len == C ? c : c * S + s;
    }

    static void forward(double[] x, int N, int C, int S, int G, double[] gamma, double[] beta, double eps, double[] y, double[] mean,
                        double[] invStd) {
        int cg = C / G, m = cg * S;
        for (int n = 0; n < N; n++) {
            for (int g = 0; g < G; g++) {
                int base = (n * C + g * cg) * S;
                double sum = 0;
                for (int j = 0; j < m; j++) {
                    sum += x[base + j];
                }
                double mu = sum / m, var = 0;
                for (int j = 0; j < m; j++) {
                    var += (x[base + j] - mu) * (x[base + j] - mu);
                }
                double inv = 1 / Math.sqrt(var / m + eps);
                mean[n * G + g] = mu;
                invStd[n * G + g] = inv;
                for (int j = 0; j < m; j++) {
                    int c = g * cg + j / S, s = j % S, a = affine(n, c, s, C, S, gamma.length);
                    y[base + j] = (x[base + j] - mu) * inv * gamma[a] + beta[a];
                }
            }
        }
    }

    static void backward(double[] x, int N, int C, int S, int G, double[] gamma, double[] mean, double[] invStd, double[] dy, double[] dx,
                         double[] dgamma, double[] dbeta) {
        int cg = C / G, m = cg * S;
        java.util.Arrays.fill(dgamma, 0);
        java.util.Arrays.fill(dbeta, 0);
        for (int n = 0; n < N; n++) {
            for (int g = 0; g < G; g++) {
                int base = (n * C + g * cg) * S;
                double mu = mean[n * G + g], inv = invStd[n * G + g], m1 = 0, m2 = 0;
                for (int j = 0; j < m; j++) {
                    int c = g * cg + j / S, a = affine(n, c, j % S, C, S, gamma.length);
                    double xhat = (x[base + j] - mu) * inv, d = dy[base + j] * gamma[a];
                    m1 += d;
                    m2 += d * xhat;
                    dgamma[a] += dy[base + j] * xhat;
                    dbeta[a] += dy[base + j];
                }
                m1 /= m;
                m2 /= m;
                for (int j = 0; j < m; j++) {
                    int c = g * cg + j / S, a = affine(n, c, j % S, C, S, gamma.length);
                    double xhat = (x[base + j] - mu) * inv;
                    dx[base + j] = inv * (dy[base + j] * gamma[a] - m1 - xhat * m2);
                }
            }
        }
    }
}
