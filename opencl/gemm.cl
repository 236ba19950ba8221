/*
 * gemm.cl — C = alpha * op(A) * op(B) + beta * C, row-major, float32.
 *
 *   op(A) is M x K, op(B) is K x N, C is M x N; every matrix has an offset and a
 *   leading dimension, so a GEMM can run on a slice of a larger buffer.
 *
 *     A(i,p) = TRANS_A ? A[p*lda + i] : A[i*lda + p]
 *     B(p,j) = TRANS_B ? B[j*ldb + p] : B[p*ldb + j]
 *
 *            j0 .. j0+VW-1
 *          +---------------+
 *     i0   | TM x VW block |   one work-item: global id (j0/VW, i0/TM)
 *     ..   | of C, kept in |   walks p = 0..K-1: one VW-wide row of B,
 *     +TM-1| registers     |   TM values of A broadcast against it, fma.
 *          +---------------+
 *
 *   Blocks wholly inside C take the vector path; blocks on the right or bottom edge
 *   take a scalar path with bounds checks, so any M, N, K >= 1 works.
 *
 * Build: -DTRANS_A=0|1 -DTRANS_B=0|1, optional -DTM=.. -DVW=4|8|16. Launch: global
 * (ceil(N/VW), ceil(M/TM)), any local size.
 */
#ifndef TRANS_A /* 1: A is stored K x M */
#define TRANS_A 0
#endif
#ifndef TRANS_B /* 1: B is stored N x K */
#define TRANS_B 0
#endif
#ifndef TM /* rows of C per work-item: registers held is TM * VW */
#define TM 6
#endif
#ifndef VW /* columns of C per work-item, the vector width: 4, 8 or 16 */
#define VW 16
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define floatV CAT(float, VW)
#define vloadV CAT(vload, VW)
#define vstoreV CAT(vstore, VW)

#if TRANS_A
#define A_AT(i, p) A[(p) * lda + (i)]
#else
#define A_AT(i, p) A[(i) * lda + (p)]
#endif
#if TRANS_B
#define B_AT(p, j) B[(j) * ldb + (p)]
#else
#define B_AT(p, j) B[(p) * ldb + (j)]
#endif

inline floatV load_b_row(const global float* B, int ldb, int p, int j0) {
#if TRANS_B
    float t[VW];
    for (int v = 0; v < VW; v++) {
        t[v] = B_AT(p, j0 + v);
    }
    return vloadV(0, t);
#else
    return vloadV(0, B + p * ldb + j0);
#endif
}

kernel void gemm(int M, int N, int K, float alpha,
                 global const float* A, int offA, int lda,
                 global const float* B, int offB, int ldb,
                 float beta, global float* C, int offC, int ldc) {
    const int j0 = get_global_id(0) * VW;
    const int i0 = get_global_id(1) * TM;
    if (i0 >= M || j0 >= N) {
        return;
    }
    A += offA;
    B += offB;
    C += offC;
    if (i0 + TM <= M && j0 + VW <= N) {
        floatV acc[TM];
        for (int r = 0; r < TM; r++) {
            acc[r] = (floatV)(0.0f);
        }
        for (int p = 0; p < K; p++) {
            const floatV b = load_b_row(B, ldb, p, j0);
            for (int r = 0; r < TM; r++) {
                acc[r] = fma((floatV)(A_AT(i0 + r, p)), b, acc[r]);
            }
        }
        for (int r = 0; r < TM; r++) {
            global float* c = C + (i0 + r) * ldc + j0;
            floatV out = alpha * acc[r];
            if (beta != 0.0f) { /* beta = 0 must not read C: it may hold NaN */
                out += beta * vloadV(0, c);
            }
            vstoreV(out, 0, c);
        }
        return;
    }
    for (int r = 0; r < TM && i0 + r < M; r++) {
        for (int v = 0; v < VW && j0 + v < N; v++) {
            const int i = i0 + r, j = j0 + v;
            float s = 0.0f;
            for (int p = 0; p < K; p++) {
                s = fma(A_AT(i, p), B_AT(p, j), s);
            }
            C[i * ldc + j] = alpha * s + (beta != 0.0f ? beta * C[i * ldc + j] : 0.0f);
        }
    }
}
