package io.github.clconv.opencl;

/**
 * The tunables of opencl/gemm.cl: for gemm, rows (tm) and vector width (vw) of the block
 * of C per work-item; for gemm_nt, rows (tr) and columns (tc) per work-item and the K
 * vector width (vk).
 */
public record GemmParams(int tm, int vw, int tr, int tc, int vk) {
    public static final GemmParams DEFAULT = new GemmParams(8, 16, 4, 4, 8);

    public GemmParams {
        if (tm < 1 || tm > 16 || (vw != 4 && vw != 8 && vw != 16) || tr < 1 || tr > 8 || tc < 1 || tc > 8 || (vk != 4 && vk != 8 && vk != 16)) {
            throw new IllegalArgumentException("gemm parameters out of range: " + this);
        }
    }

    String options() {
        return "-DTM=" + tm + " -DVW=" + vw + " -DTR=" + tr + " -DTC=" + tc + " -DVK=" + vk;
    }
}
