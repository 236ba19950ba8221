package io.github.clconv.backend;

import static io.github.clconv.backend.HostBuf.d;

/** Reference linear (fully connected) layer, y = x W^T + b, and its gradients, from the definition (ClLinear on the device). */
final class ReferenceLinear {
    private ReferenceLinear() {
    }

    static void linearForward(Buf xb, Buf wb, Buf bb, Buf yb) {
        double[] x = d(xb), w = d(wb), b = d(bb), y = d(yb);
        int n = xb.shape().dim(0), in = xb.shape().dim(1), out = wb.shape().dim(0);
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int p = 0; p < in; p++) {
                    s += x[i * in + p] * w[o * in + p];
                }
                y[i * out + o] = s;
            }
        }
    }

    static void linearBackward(Buf xb, Buf wb, Buf dyb, Buf dxb, Buf dwb, Buf dbb) {
        double[] x = d(xb), w = d(wb), dy = d(dyb), dx = d(dxb), dw = d(dwb), db = d(dbb);
        int n = xb.shape().dim(0), in = xb.shape().dim(1), out = wb.shape().dim(0);
        if (dx != null) {
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < in; p++) {
                    double s = 0;
                    for (int o = 0; o < out; o++) {
                        s += dy[i * out + o] * w[o * in + p];
                    }
                    dx[i * in + p] = s;
                }
            }
        }
        for (int o = 0; o < out; o++) {
            for (int p = 0; dw != null && p < in; p++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += dy[i * out + o] * x[i * in + p];
                }
                dw[o * in + p] = s;
            }
            if (db != null) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += dy[i * out + o];
                }
                db[o] = s;
            }
        }
    }
}
