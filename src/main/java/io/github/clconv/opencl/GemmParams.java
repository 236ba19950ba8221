package io.github.clconv.opencl;

/** The tunables of opencl/gemm.cl: rows (tm) and vector width (vw) of C per work-item. */
public record GemmParams(int tm, int vw) {
    public static final GemmParams DEFAULT = new GemmParams(6, 16);

    public GemmParams {
        if (tm < 1 || tm > 16 || (vw != 4 && vw != 8 && vw != 16)) {
            throw new IllegalArgumentException("gemm parameters: tm must be 1..16 and vw 4, 8 or 16, got tm=" + tm + " vw=" + vw);
        }
    }
}
