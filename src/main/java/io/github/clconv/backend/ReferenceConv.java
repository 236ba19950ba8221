package io.github.clconv.backend;

import io.github.clconv.tensor.ConvGeom;

import static io.github.clconv.backend.HostBuf.d;

/**
 * Reference convolution family, written from the definitions: a direct convolution
 * (deliberately not im2col + GEMM, so the device's algorithm is checked by an
 * independent one), im2col/col2im as index maps and a triple-loop GEMM.
 */
final class ReferenceConv {
    private ReferenceConv() {
    }

    static void im2col(double[] x, ConvGeom g, double[] col) {
        int oh = g.oh(), ow = g.ow(), cols = g.n() * oh * ow;
        for (int c = 0; c < g.c(); c++) {
            for (int i = 0; i < g.r(); i++) {
                for (int j = 0; j < g.s(); j++) {
                    int row = (c * g.r() + i) * g.s() + j;
                    for (int n = 0; n < g.n(); n++) {
                        for (int y = 0; y < oh; y++) {
                            for (int xo = 0; xo < ow; xo++) {
                                int ih = y * g.stride() - g.pad() + i, iw = xo * g.stride() - g.pad() + j;
                                boolean inside = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                                col[row * cols + (n * oh + y) * ow + xo] = inside ? x[((n * g.c() + c) * g.h() + ih) * g.w() + iw] : 0;
                            }
                        }
                    }
                }
            }
        }
    }

    static void col2im(double[] col, ConvGeom g, double[] x) {
        java.util.Arrays.fill(x, 0);
        int oh = g.oh(), ow = g.ow(), cols = g.n() * oh * ow;
        for (int c = 0; c < g.c(); c++) {
            for (int i = 0; i < g.r(); i++) {
                for (int j = 0; j < g.s(); j++) {
                    int row = (c * g.r() + i) * g.s() + j;
                    for (int n = 0; n < g.n(); n++) {
                        for (int y = 0; y < oh; y++) {
                            for (int xo = 0; xo < ow; xo++) {
                                int ih = y * g.stride() - g.pad() + i, iw = xo * g.stride() - g.pad() + j;
                                if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                    x[((n * g.c() + c) * g.h() + ih) * g.w() + iw] += col[row * cols + (n * oh + y) * ow + xo];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                c[i * n + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
        }
    }

    static void convForward(double[] x, double[] w, double[] bias, ConvGeom g, double[] y) {
        int oh = g.oh(), ow = g.ow();
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double s = bias == null ? 0 : bias[k];
                        int c0 = k / g.kg() * g.cg(); // the first input channel of k's group
                        for (int c = c0; c < c0 + g.cg(); c++) {
                            for (int i = 0; i < g.r(); i++) {
                                int ih = oy * g.stride() - g.pad() + i;
                                if (ih < 0 || ih >= g.h()) {
                                    continue;
                                }
                                for (int j = 0; j < g.s(); j++) {
                                    int iw = ox * g.stride() - g.pad() + j;
                                    if (iw >= 0 && iw < g.w()) {
                                        s += w[((k * g.cg() + c - c0) * g.r() + i) * g.s() + j] * x[((n * g.c() + c) * g.h() + ih) * g.w() + iw];
                                    }
                                }
                            }
                        }
                        y[((n * g.k() + k) * oh + oy) * ow + ox] = s;
                    }
                }
            }
        }
    }

    static void convBackward(double[] x, double[] w, double[] dy, ConvGeom g, double[] dx, double[] dw, double[] db) {
        int oh = g.oh(), ow = g.ow();
        if (dx != null) {
            java.util.Arrays.fill(dx, 0);
        }
        if (dw != null) {
            java.util.Arrays.fill(dw, 0);
        }
        if (db != null) {
            java.util.Arrays.fill(db, 0);
        }
        for (int n = 0; n < g.n(); n++) {
            for (int k = 0; k < g.k(); k++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double gy = dy[((n * g.k() + k) * oh + oy) * ow + ox];
                        if (db != null) {
                            db[k] += gy;
                        }
                        int c0 = k / g.kg() * g.cg();
                        for (int c = c0; c < c0 + g.cg(); c++) {
                            for (int i = 0; i < g.r(); i++) {
                                int ih = oy * g.stride() - g.pad() + i;
                                if (ih < 0 || ih >= g.h()) {
                                    continue;
                                }
                                for (int j = 0; j < g.s(); j++) {
                                    int iw = ox * g.stride() - g.pad() + j;
                                    if (iw >= 0 && iw < g.w()) {
                                        int wi = ((k * g.cg() + c - c0) * g.r() + i) * g.s() + j;
                                        int xi = ((n * g.c() + c) * g.h() + ih) * g.w() + iw;
                                        if (dw != null) {
                                            dw[wi] += gy * x[xi];
                                        }
                                        if (dx != null) {
                                            dx[xi] += gy * w[wi];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
