package io.github.clconv.opencl;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;

/**
 * Linear (fully connected) layers on the device, y = x W^T + b: GEMMs of the tuned family, the bias (and a fused
 * ReLU) added as gemm_nt stores where the plan runs the product there unsplit, else by opencl/tensor.cl's
 * add_bias_rows; its gradient summed by sum_columns (ReferenceLinear on the host).
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
        if (bias != null && gemm.linearWithBias(n, out, in, x, w, bias, ConvAlgorithm.flags(bias, act), y)) {
            return;
        }
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
