package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;

/**
 * Linear (fully connected) layers on the device, y = x W^T + b: GEMMs of the tuned family, the bias added and its
 * gradient summed by opencl/tensor.cl's add_bias_rows (which applies a fused ReLU as it adds) and sum_columns
 * (ReferenceLinear on the host).
 */
final class ClLinear {
    private static final KernelRef ADD_BIAS_ROWS = new KernelRef("tensor.cl", "add_bias_rows");
    private static final KernelRef SUM_COLUMNS = new KernelRef("tensor.cl", "sum_columns");
    private final ClContext cl;
    private final ClGemm gemm;

    ClLinear(ClContext cl, ClGemm gemm) {
        this.cl = cl;
        this.gemm = gemm;
    }

    /** act: null, or a ReLU or ReLU6 applied as the bias is added (bias then not null). */
    void linearForward(Buf x, Buf w, Buf bias, Activation act, Buf y) {
        int n = x.shape().dim(0), in = x.shape().dim(1), out = w.shape().dim(0);
        gemm.run(false, true, n, out, in, 1f, x, w, 0f, y);
        if (bias != null) {
            cl.kernel(ADD_BIAS_ROWS).args(y, bias, out, n * out, ConvAlgorithm.flags(bias, act)).run((long) n * out);
        }
    }

    void linearBackward(Buf x, Buf w, Buf dy, Buf dx, Buf dw, Buf db) {
        int n = x.shape().dim(0), in = x.shape().dim(1), out = w.shape().dim(0);
        if (dx != null) {
            gemm.run(false, false, n, in, out, 1f, dy, w, 0f, dx);
        }
        if (dw != null) {
            gemm.run(true, false, out, in, n, 1f, dy, x, 0f, dw);
        }
        if (db != null) {
            cl.kernel(SUM_COLUMNS).args(dy, db, n, out).run(out);
        }
    }
}
