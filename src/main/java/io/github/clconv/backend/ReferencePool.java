package io.github.clconv.backend;

import io.github.clconv.tensor.PoolGeom;

/** Reference max and average pooling, straight from the definitions. */
final class ReferencePool {
    private ReferencePool() {
    }

    /** y[r] = the mean of plane r of x (planes of p values). */
    static void globalAvgForward(double[] x, int p, double[] y) {
        for (int r = 0; r < y.length; r++) {
            double s = 0;
            for (int i = 0; i < p; i++) {
                s += x[r * p + i];
            }
            y[r] = s / p;
        }
    }

    static void globalAvgBackward(double[] dy, int p, double[] dx) {
        for (int r = 0; r < dy.length; r++) {
            for (int i = 0; i < p; i++) {
                dx[r * p + i] = dy[r] / p;
            }
        }
    }

    /** The first input row (or column) of adaptive window o of out over in: floor(o * in / out). */
    private static int start(int o, int in, int out) {
        return Math.floorDiv(o * in, out);
    }

    /** One past its last: ceil((o + 1) * in / out). */
    private static int end(int o, int in, int out) {
        return -Math.floorDiv(-(o + 1) * in, out);
    }

    /** PyTorch's adaptive average pooling: output (oy, ox) averages rows floor(oy*H/OH) .. ceil((oy+1)*H/OH)-1, columns likewise. */
    static void adaptiveAvgForward(double[] x, io.github.clconv.tensor.Shape in, double[] y, io.github.clconv.tensor.Shape out) {
        int h = in.dim(2), w = in.dim(3), oh = out.dim(2), ow = out.dim(3);
        for (int p = 0; p < in.dim(0) * in.dim(1); p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int i0 = start(oy, h, oh), i1 = end(oy, h, oh), j0 = start(ox, w, ow), j1 = end(ox, w, ow);
                    double s = 0;
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) {
                            s += x[(p * h + i) * w + j];
                        }
                    }
                    y[(p * oh + oy) * ow + ox] = s / ((i1 - i0) * (j1 - j0));
                }
            }
        }
    }

    /** The transpose of the forward pass: each output's gradient spread evenly over its window (a scatter here; the kernel gathers). */
    static void adaptiveAvgBackward(double[] dy, io.github.clconv.tensor.Shape out, double[] dx, io.github.clconv.tensor.Shape in) {
        java.util.Arrays.fill(dx, 0);
        int h = in.dim(2), w = in.dim(3), oh = out.dim(2), ow = out.dim(3);
        for (int p = 0; p < in.dim(0) * in.dim(1); p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int i0 = start(oy, h, oh), i1 = end(oy, h, oh), j0 = start(ox, w, ow), j1 = end(ox, w, ow);
                    double g = dy[(p * oh + oy) * ow + ox] / ((i1 - i0) * (j1 - j0));
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) {
                            dx[(p * h + i) * w + j] += g;
                        }
                    }
                }
            }
        }
    }

    static void maxForward(double[] x, PoolGeom g, double[] y, double[] argmax) {
        int oh = g.oh(), ow = g.ow();
        for (int p = 0; p < g.n() * g.c(); p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int i = 0; i < g.kernel(); i++) {
                        for (int j = 0; j < g.kernel(); j++) {
                            int ih = oy * g.stride() - g.pad() + i, iw = ox * g.stride() - g.pad() + j;
                            if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                double v = x[(p * g.h() + ih) * g.w() + iw];
                                if (at < 0 || v > best) { // first maximum wins ties, as in PyTorch
                                    best = v;
                                    at = ih * g.w() + iw;
                                }
                            }
                        }
                    }
                    y[(p * oh + oy) * ow + ox] = best;
                    argmax[(p * oh + oy) * ow + ox] = at;
                }
            }
        }
    }

    static void maxBackward(double[] dy, double[] argmax, PoolGeom g, double[] dx) {
        java.util.Arrays.fill(dx, 0);
        int ohw = g.oh() * g.ow();
        for (int p = 0; p < g.n() * g.c(); p++) {
            for (int o = 0; o < ohw; o++) {
                dx[p * g.h() * g.w() + (int) argmax[p * ohw + o]] += dy[p * ohw + o];
            }
        }
    }

    static void avgForward(double[] x, PoolGeom g, double[] y) {
        int oh = g.oh(), ow = g.ow();
        double area = g.kernel() * g.kernel();
        for (int p = 0; p < g.n() * g.c(); p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double s = 0;
                    for (int i = 0; i < g.kernel(); i++) {
                        for (int j = 0; j < g.kernel(); j++) {
                            int ih = oy * g.stride() - g.pad() + i, iw = ox * g.stride() - g.pad() + j;
                            if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                s += x[(p * g.h() + ih) * g.w() + iw];
                            }
                        }
                    }
                    y[(p * oh + oy) * ow + ox] = s / area;
                }
            }
        }
    }

    static void avgBackward(double[] dy, PoolGeom g, double[] dx) {
        java.util.Arrays.fill(dx, 0);
        int oh = g.oh(), ow = g.ow();
        double area = g.kernel() * g.kernel();
        for (int p = 0; p < g.n() * g.c(); p++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double gy = dy[(p * oh + oy) * ow + ox] / area;
                    for (int i = 0; i < g.kernel(); i++) {
                        for (int j = 0; j < g.kernel(); j++) {
                            int ih = oy * g.stride() - g.pad() + i, iw = ox * g.stride() - g.pad() + j;
                            if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                dx[(p * g.h() + ih) * g.w() + iw] += gy;
                            }
                        }
                    }
                }
            }
        }
    }
}
