package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;

/** Launches opencl/gemm.cl on slices of buffers (offsets and leading dimensions). */
final class ClGemm {
    private final ClContext cl;
    private final GemmParams params;

    ClGemm(ClContext cl, GemmParams params) {
        this.cl = cl;
        this.params = params;
    }

    /** c[offC..] = alpha * op(a) * op(b) + beta * c, with op(a) m x k and op(b) k x n, row-major. */
    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, int offA, int lda, Buf b, int offB, int ldb,
             float beta, Buf c, int offC, int ldc) {
        String options = "-DTRANS_A=" + (ta ? 1 : 0) + " -DTRANS_B=" + (tb ? 1 : 0) + " -DTM=" + params.tm() + " -DVW=" + params.vw();
        cl.kernel("gemm.cl", options, "gemm")
                .args(m, n, k, alpha, a, offA, lda, b, offB, ldb, beta, c, offC, ldc)
                .run(ceilDiv(n, params.vw()), ceilDiv(m, params.tm()));
    }

    /** Dense row-major matrices: leading dimensions follow from the shapes. */
    void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        run(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
