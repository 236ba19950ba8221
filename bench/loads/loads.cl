/*
 * loads.cl — what a load in a GEMM's inner loop costs on a device that runs work-items in
 * SIMD lanes (written for rusticl on llvmpipe, where clconv's GEMMs reach a fifth of the
 * multiply-add rate). Every kernel computes C (M x N) += A (M x K) * B (K x N), row-major,
 * with WM rows of C per work-item and its column in the lanes; they differ only in how the
 * loop gets its operands. M, N, K multiples of WM, 64 and 64; global (N, M / WM), local (64, 1).
 * Multiply-adds are a * b + c: llvmpipe reports no hardware FMA and emulates fma().
 */

/* Nothing loaded in the loop: the arithmetic alone. */
kernel void no_loads(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), i0 = get_group_id(1) * WM;
    float acc[WM], b = B[j];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int p = 0; p < K; p++) {
        #pragma unroll
        for (int r = 0; r < WM; r++) acc[r] = (1.0f + r) * b + acc[r];
        b = b * 0.999f;
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}

/* One lane-varying load (B's row, consecutive addresses) per WM multiply-adds. */
kernel void b_only(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), i0 = get_group_id(1) * WM;
    float acc[WM];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int p = 0; p < K; p++) {
        const float b = B[p * N + j];
        #pragma unroll
        for (int r = 0; r < WM; r++) acc[r] = (1.0f + r) * b + acc[r];
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}

/* The GEMM: B as above, and WM loads of A whose addresses are the same in every lane. */
kernel void a_uniform(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), i0 = get_group_id(1) * WM;
    float acc[WM];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int p = 0; p < K; p++) {
        const float b = B[p * N + j];
        #pragma unroll
        for (int r = 0; r < WM; r++) acc[r] = A[(i0 + r) * K + p] * b + acc[r];
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}

/* The same, A's addresses made lane-varying to the compiler (a gather of one address). */
kernel void a_gathered(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), i0 = get_group_id(1) * WM, zero = get_local_id(0) >> 20;
    float acc[WM];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int p = 0; p < K; p++) {
        const float b = B[p * N + j];
        #pragma unroll
        for (int r = 0; r < WM; r++) acc[r] = A[(i0 + r) * K + p + zero] * b + acc[r];
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}

/* The same, A's rows read 8 K-steps at a time with vload8. */
kernel void a_vload8(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), i0 = get_group_id(1) * WM;
    float acc[WM];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int p = 0; p < K; p += 8) {
        float b[8];
        #pragma unroll
        for (int q = 0; q < 8; q++) b[q] = B[(p + q) * N + j];
        #pragma unroll
        for (int r = 0; r < WM; r++) {
            const float8 a = vload8(0, A + (i0 + r) * K + p);
            acc[r] = a.s0 * b[0] + acc[r]; acc[r] = a.s1 * b[1] + acc[r]; acc[r] = a.s2 * b[2] + acc[r]; acc[r] = a.s3 * b[3] + acc[r];
            acc[r] = a.s4 * b[4] + acc[r]; acc[r] = a.s5 * b[5] + acc[r]; acc[r] = a.s6 * b[6] + acc[r]; acc[r] = a.s7 * b[7] + acc[r];
        }
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}

/* The same, the group's WM x 64 block of A staged through local memory. */
kernel void a_local(global const float* A, global const float* B, global float* C, int M, int N, int K) {
    const int j = get_global_id(0), lx = get_local_id(0), i0 = get_group_id(1) * WM;
    local float As[WM * 64];
    float acc[WM];
    for (int r = 0; r < WM; r++) acc[r] = 0.0f;
    for (int kt = 0; kt < K; kt += 64) {
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int r = 0; r < WM; r++) As[r * 64 + lx] = A[(i0 + r) * K + kt + lx];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int p = 0; p < 64; p++) {
            const float b = B[(kt + p) * N + j];
            #pragma unroll
            for (int r = 0; r < WM; r++) acc[r] = As[r * 64 + p] * b + acc[r];
        }
    }
    for (int r = 0; r < WM; r++) C[(i0 + r) * N + j] = acc[r];
}
