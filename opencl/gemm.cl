/*
 * gemm.cl — C = alpha * op(A) * op(B) + beta * C, row-major, float32.
 *
 *   op(A) is M x K, op(B) is K x N, C is M x N; every matrix has an offset and a
 *   leading dimension, so a GEMM can run on a slice of a larger buffer.
 *
 *     A(i,p) = TRANS_A ? A[p*lda + i] : A[i*lda + p]
 *     B(p,j) = TRANS_B ? B[j*ldb + p] : B[p*ldb + j]
 *
 * Kernel gemm (any transposes): each work-item owns a TM x VW block of C,
 *
 *            j0 .. j0+VW-1
 *          +---------------+
 *     i0   | TM x VW block |   global id (j0/VW, i0/TM); for p = 0..K-1: one
 *     ..   | of C, kept in |   VW-wide row of B, TM values of A broadcast
 *     +TM-1| registers     |   against it, fma.
 *          +---------------+
 *
 * Work-items that run one after another share an operand in cache: consecutive rows of C
 * reuse one VW-wide strip of B (ROWS_FIRST, when A is the smaller matrix, as in a
 * convolution's W * col), consecutive columns reuse TM rows of A (otherwise).
 *
 * Blocks over the bottom edge read clamped rows of A and store only the rows inside C; a
 * block over the right edge starts VW*VN columns before C's end (where C is that wide) and
 * stores only the columns from its own start, so its loads of B are vectors too; narrower C
 * (and op(B) transposed) gather columns one by one (clamped). Every block runs the same
 * vector loop, so any M, N, K >= 1 works at full speed.
 *
 * Kernel gemm_nt (A not transposed, B transposed, both walked along K): each work-item
 * owns a TR x TC block and accumulates dot products with VK-wide loads of rows of A and
 * rows of B: 'A * B^T' is then contiguous on both sides, which the first kernel is not.
 *
 * Both are launched in work-groups of one work-item or of at most 8 x 8 (never the
 * runtime's choice): a CPU runtime runs a group on one thread's stack with each work-item's
 * register block beside the others', and PoCL's groups of thousands overflowed it.
 *
 * Kernel gemm_tiled (any transposes), for devices that run a work-group's work-items in
 * SIMD lanes (GPUs, rusticl): a work-group owns a TSM x TSN tile of C; per step of TSK
 * along K its work-items copy a TSM x TSK tile of op(A) and a TSK x TSN tile of op(B) into
 * local memory, consecutive work-items reading consecutive addresses whatever the
 * transposes, then each accumulates a WM x WN register block whose rows and columns are
 * strided by the group's extent (so consecutive work-items also store consecutive
 * addresses of C):
 *
 *            <------------ TSN ------------>
 *          +-------------------------------+   work-item (lx, ly) of a
 *          | x . . . x . . . x . . . x . . |   (TSN/WN) x (TSM/WM) group owns
 *     TSM  | . . . . . . . . . . . . . . . |   C(ly + r*TSM/WM, lx + c*TSN/WN),
 *          | x . . . x . . . x . . . x . . |   r < WM, c < WN (the x's, WN = 4)
 *          +-------------------------------+
 *
 * Out-of-range rows, columns and K steps load zeros; only stores are guarded, so every
 * work-item reaches every barrier. LOCAL=0 reads the operands from global memory instead
 * (for devices whose local memory is global memory).
 *
 * Kernel sum_splits: C = alpha * sum_s P[s] + beta * C, for a split-K GEMM whose partial
 * products P[s] (M x N each) were computed over slices of K (by one launch of gemm or
 * gemm_nt whose global dimension 2 counts the slices); fixed order, deterministic.
 *
 * Build: -DTRANS_A=0|1 -DTRANS_B=0|1, optional -DTM -DVW -DTR -DTC -DVK (gemm, gemm_nt),
 * -DTSM -DTSN -DTSK -DWM -DWN -DLOCAL (gemm_tiled), -DROWBIAS=1 (gemm, gemm_packed: a 1x1
 * convolution's bias, residual and activation as C is stored), -DEPI=1 (gemm_nt: a linear layer's).
 */
#ifndef TRANS_A /* 1: A is stored K x M */
#define TRANS_A 0
#endif
#ifndef TRANS_B /* 1: B is stored N x K */
#define TRANS_B 0
#endif
#ifndef ROWS_FIRST /* gemm: 1 when dimension 0 walks the rows of C (set when A is the smaller operand) */
#define ROWS_FIRST 0
#endif
#ifndef TM /* gemm: rows of C per work-item; registers held is TM * VW */
#define TM 6
#endif
#ifndef VW /* gemm: columns of C per work-item, the vector width: 4, 8 or 16 */
#define VW 16
#endif
#ifndef TR /* gemm_nt: rows of C per work-item */
#define TR 4
#endif
#ifndef TC /* gemm_nt: columns of C per work-item */
#define TC 4
#endif
#ifndef VK /* gemm_nt: K values per vector load: 4, 8 or 16 */
#define VK 8
#endif

#ifndef TSM /* gemm_tiled: rows of the tile of C per work-group */
#define TSM 32
#endif
#ifndef TSN /* gemm_tiled: columns of the tile of C per work-group */
#define TSN 32
#endif
#ifndef TSK /* gemm_tiled: K per local-memory step */
#define TSK 16
#endif
#ifndef WM /* gemm_tiled: rows per work-item (TSM % WM == 0) */
#define WM 4
#endif
#ifndef WN /* gemm_tiled: columns per work-item (TSN % WN == 0) */
#define WN 4
#endif
#ifndef LOCAL /* gemm_tiled: 1 stages tiles through local memory, 0 reads global memory directly */
#define LOCAL 1
#endif

#include "madd.h"
#include "epilogue.h"
#define floatV CAT(float, VW)
#define vloadV CAT(vload, VW)
#define vstoreV CAT(vstore, VW)
#define floatK CAT(float, VK)
#define vloadK CAT(vload, VK)

/* Global dimension 2 counts either slices of K (split-K in one launch: kslice > 0, slice z
   multiplies K = [z*kslice, (z+1)*kslice) and writes its partial product) or the products of
   a batch (kslice = 0: product z has the same M, N, K and leading dimensions). Either way
   item z reads A and B sa and sb floats after the first item's and writes C sc floats after
   it; one item (sa = sb = sc = 0) is the plain GEMM. */
#define BATCH_OR_SPLIT                                              \
    const int z = get_global_id(2);                                 \
    if (kslice > 0) {                                               \
        K = min(kslice, K - z * kslice);                            \
    }                                                               \
    A += offA + (long)z * sa;                                       \
    B += offB + (long)z * sb;                                       \
    C += offC + (long)z * sc

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

#ifndef VN
#define VN 1 /* vectors of VW columns per work-item: TM x VN accumulators */
#endif
#ifndef ROWBIAS
#define ROWBIAS 0
#endif
/* ROWBIAS = 1 (gemm and gemm_packed, K whole): a 1x1 convolution's epilogue as C is stored, C
   being W * x of one image (a row per output channel): rbias[i] added to row i, the residual
   res (laid out as C) added where flags has EPI_RESIDUAL, then flags' activation (epilogue.h).
   No pass of its own reads C back to add them. */
#if ROWBIAS
#define ROWBIAS_PARAMS , global const float* rbias, int flags, global const float* res
#define ROW_EPILOGUE_V(v, i, rp) EPILOGUE((v) + (floatV)((flags & EPI_BIAS) ? rbias[i] : 0.0f) \
                                          + ((flags & EPI_RESIDUAL) ? vloadV(0, rp) : (floatV)(0.0f)), flags)
#define ROW_EPILOGUE_S(v, i, rp) EPILOGUE((v) + ((flags & EPI_BIAS) ? rbias[i] : 0.0f) + ((flags & EPI_RESIDUAL) ? *(rp) : 0.0f), flags)
#define ROWBIAS_OFFSET(off) res += (off)
#else
#define ROWBIAS_PARAMS
#define ROW_EPILOGUE_V(v, i, rp) (v)
#define ROW_EPILOGUE_S(v, i, rp) (v)
#define ROWBIAS_OFFSET(off)
#endif
/* C's TM x (VN x VW) block whose columns start at jb = alpha * acc + beta * C, the rows inside C
   and the columns from jmin to N only (gemm and gemm_packed; a macro, not a function taking acc,
   so that acc stays in registers). jmin > jb: a block shifted back onto columns the block before
   stores (see gemm). */
#define STORE_BLOCK_AT(jb, jmin)                                                        \
    for (int r = 0; r < TM && i0 + r < M; r++) {                                        \
        for (int q = 0; q < VN && (jb) + q * VW < N; q++) {                             \
            const int j0 = (jb) + q * VW;                                               \
            if (j0 + VW <= (jmin)) {                                                    \
                continue;                                                               \
            }                                                                           \
            const long at = (long)(i0 + r) * ldc + j0;                                  \
            global float* c = C + at;                                                   \
            if (j0 >= (jmin) && j0 + VW <= N) {                                         \
                floatV out = alpha * acc[r][q];                                         \
                if (beta != 0.0f) { /* beta = 0 must not read C: it may hold NaN */     \
                    out += beta * vloadV(0, c);                                         \
                }                                                                       \
                vstoreV(ROW_EPILOGUE_V(out, i0 + r, res + at), 0, c);                   \
            } else {                                                                    \
                float t[VW];                                                            \
                vstoreV(acc[r][q], 0, t);                                               \
                for (int v = max(0, (jmin) - j0); v < VW && j0 + v < N; v++) {          \
                    const float o = alpha * t[v] + (beta != 0.0f ? beta * c[v] : 0.0f); \
                    c[v] = ROW_EPILOGUE_S(o, i0 + r, res + at + v);                     \
                }                                                                       \
            }                                                                           \
        }                                                                               \
    }
#define STORE_BLOCK() STORE_BLOCK_AT(j00, j00)

kernel void gemm(int M, int N, int K, float alpha,
                 global const float* A, int offA, int lda,
                 global const float* B, int offB, int ldb,
                 float beta, global float* C, int offC, int ldc, int kslice, int sa, int sb, int sc ROWBIAS_PARAMS) {
#if ROWS_FIRST
    const int i0 = get_global_id(0) * TM;
    const int j00 = get_global_id(1) * VW * VN;
#else
    const int j00 = get_global_id(0) * VW * VN;
    const int i0 = get_global_id(1) * TM;
#endif
    if (i0 >= M || j00 >= N) {
        return;
    }
    BATCH_OR_SPLIT;
    ROWBIAS_OFFSET(offC + (long)z * sc);
    int rows[TM];
    _Pragma("unroll")
    for (int r = 0; r < TM; r++) {
        rows[r] = min(i0 + r, M - 1);
    }
    floatV acc[TM][VN];
    _Pragma("unroll")
    for (int r = 0; r < TM; r++) {
        _Pragma("unroll")
        for (int q = 0; q < VN; q++) {
            acc[r][q] = (floatV)(0.0f);
        }
    }
#if TRANS_B
    const int jb = j00;
    const bool inside = false; /* a column of op(B) is a row of B: gathered */
#else
    /* the block over the right edge starts VW*VN columns before it ends, where C is that wide: its
       loads are vectors like every other block's (gathered lane by lane, they had cost 1x1
       convolutions on 7x7 planes, a quarter of their blocks, more than the rest), and it stores only
       the columns the block before it does not */
    const int jb = j00 + VW * VN <= N || N < VW * VN ? j00 : N - VW * VN;
    const bool inside = jb + VW * VN <= N;
#endif
    for (int p = 0; p < K; p++) {
        floatV b[VN];
        _Pragma("unroll")
        for (int q = 0; q < VN; q++) {
            const int j0 = jb + q * VW;
#if !TRANS_B
            if (inside) {
                b[q] = vloadV(0, B + p * ldb + j0);
            } else
#endif
            {
                float t[VW];
                for (int v = 0; v < VW; v++) {
                    t[v] = B_AT(p, min(j0 + v, N - 1));
                }
                b[q] = vloadV(0, t);
            }
        }
        _Pragma("unroll")
        for (int r = 0; r < TM; r++) {
            const floatV a = (floatV)(A_AT(rows[r], p));
            _Pragma("unroll")
            for (int q = 0; q < VN; q++) {
                acc[r][q] = MADD(a, b[q], acc[r][q]);
            }
        }
    }
    STORE_BLOCK_AT(jb, j00);
}

/* EPI = 1 (a linear layer's forward, one product, K whole): bias[j] added to C[i][j] and flags'
   activation applied as it stores (epilogue.h), where add_bias_rows had taken a launch of its own. */
#ifndef EPI
#define EPI 0
#endif
kernel void gemm_nt(int M, int N, int K, float alpha,
                    global const float* A, int offA, int lda,
                    global const float* B, int offB, int ldb,
                    float beta, global float* C, int offC, int ldc, int kslice, int sa, int sb, int sc
#if EPI
                    , global const float* bias, int flags
#endif
                    ) {
    /* dimension 0 walks the rows of C: consecutive work-items reuse the same TC rows of B
       (the big operand of a weight gradient) while they are in cache */
    const int i0 = get_global_id(0) * TR;
    const int j0 = get_global_id(1) * TC;
    if (i0 >= M || j0 >= N) {
        return;
    }
    BATCH_OR_SPLIT;
    global const float* a[TR];
    global const float* b[TC];
    _Pragma("unroll")
    for (int r = 0; r < TR; r++) {
        a[r] = A + min(i0 + r, M - 1) * lda;
    }
    _Pragma("unroll")
    for (int c = 0; c < TC; c++) {
        b[c] = B + min(j0 + c, N - 1) * ldb;
    }
    floatK acc[TR][TC];
    _Pragma("unroll")
    for (int r = 0; r < TR; r++) {
        _Pragma("unroll")
        for (int c = 0; c < TC; c++) {
            acc[r][c] = (floatK)(0.0f);
        }
    }
    const int kv = K - K % VK;
    for (int p = 0; p < kv; p += VK) {
        floatK bv[TC];
        _Pragma("unroll")
        for (int c = 0; c < TC; c++) {
            bv[c] = vloadK(0, b[c] + p);
        }
        _Pragma("unroll")
        for (int r = 0; r < TR; r++) {
            const floatK av = vloadK(0, a[r] + p);
            _Pragma("unroll")
            for (int c = 0; c < TC; c++) {
                acc[r][c] = MADD(av, bv[c], acc[r][c]);
            }
        }
    }
    for (int r = 0; r < TR && i0 + r < M; r++) {
        for (int c = 0; c < TC && j0 + c < N; c++) {
            float tail = 0.0f;
            for (int p = kv; p < K; p++) {
                tail = MADD(a[r][p], b[c][p], tail);
            }
            float lanes[VK];
            CAT(vstore, VK)(acc[r][c], 0, lanes);
            float s = 0.0f;
            for (int v = 0; v < VK; v++) {
                s += lanes[v];
            }
            global float* out = C + (i0 + r) * ldc + j0 + c;
#if EPI
            *out = EPILOGUE(alpha * (s + tail) + ((flags & EPI_BIAS) ? bias[j0 + c] : 0.0f), flags);
#else
            *out = alpha * (s + tail) + (beta != 0.0f ? beta * *out : 0.0f);
#endif
        }
    }
}

/* Work-group size (TSN/WN, TSM/WM, 1); global size (ceil(N/TSN)*TSN/WN, ceil(M/TSM)*TSM/WM, slices or products). */
__attribute__((reqd_work_group_size(TSN / WN, TSM / WM, 1)))
kernel void gemm_tiled(int M, int N, int K, float alpha,
                       global const float* A, int offA, int lda,
                       global const float* B, int offB, int ldb,
                       float beta, global float* C, int offC, int ldc, int kslice, int sa, int sb, int sc) {
    #define RN (TSN / WN) /* work-items along a row of the tile */
    #define RM (TSM / WM)
    const int lx = get_local_id(0), ly = get_local_id(1);
    const int i0 = get_group_id(1) * TSM, j0 = get_group_id(0) * TSN;
    BATCH_OR_SPLIT;
    float acc[WM][WN];
    _Pragma("unroll")
    for (int r = 0; r < WM; r++) {
        _Pragma("unroll")
        for (int c = 0; c < WN; c++) {
            acc[r][c] = 0.0f;
        }
    }
#if LOCAL
    /* As[p][i], Bs[p][j]: the compute loop reads a row of each, broadcast (As) or by
       consecutive work-items (Bs); As's row is padded against bank conflicts on its stores */
    local float As[TSK][TSM + 1];
    local float Bs[TSK][TSN];
    const int lid = ly * RN + lx;
    for (int kt = 0; kt < K; kt += TSK) {
        for (int e = lid; e < TSM * TSK; e += RM * RN) {
#if TRANS_A /* A(i, p) = A[p*lda + i]: consecutive e walk i */
            const int i = e % TSM, p = e / TSM;
#else
            const int p = e % TSK, i = e / TSK;
#endif
            As[p][i] = i0 + i < M && kt + p < K ? A_AT(i0 + i, kt + p) : 0.0f;
        }
        for (int e = lid; e < TSK * TSN; e += RM * RN) {
#if TRANS_B /* B(p, j) = B[j*ldb + p]: consecutive e walk p */
            const int p = e % TSK, j = e / TSK;
#else
            const int j = e % TSN, p = e / TSN;
#endif
            Bs[p][j] = j0 + j < N && kt + p < K ? B_AT(kt + p, j0 + j) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        _Pragma("unroll")
        for (int p = 0; p < TSK; p++) {
            float a[WM], b[WN];
            _Pragma("unroll")
            for (int r = 0; r < WM; r++) {
                a[r] = As[p][ly + r * RM];
            }
            _Pragma("unroll")
            for (int c = 0; c < WN; c++) {
                b[c] = Bs[p][lx + c * RN];
            }
            _Pragma("unroll")
            for (int r = 0; r < WM; r++) {
                _Pragma("unroll")
                for (int c = 0; c < WN; c++) {
                    acc[r][c] = MADD(a[r], b[c], acc[r][c]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#else
    int rows[WM], cols[WN];
    _Pragma("unroll")
    for (int r = 0; r < WM; r++) {
        rows[r] = min(i0 + ly + r * RM, M - 1);
    }
    _Pragma("unroll")
    for (int c = 0; c < WN; c++) {
        cols[c] = min(j0 + lx + c * RN, N - 1);
    }
    for (int p = 0; p < K; p++) {
        float a[WM], b[WN];
        _Pragma("unroll")
        for (int r = 0; r < WM; r++) {
            a[r] = A_AT(rows[r], p);
        }
        _Pragma("unroll")
        for (int c = 0; c < WN; c++) {
            b[c] = B_AT(p, cols[c]);
        }
        _Pragma("unroll")
        for (int r = 0; r < WM; r++) {
            _Pragma("unroll")
            for (int c = 0; c < WN; c++) {
                acc[r][c] = MADD(a[r], b[c], acc[r][c]);
            }
        }
    }
#endif
    _Pragma("unroll")
    for (int r = 0; r < WM; r++) {
        const int i = i0 + ly + r * RM;
        _Pragma("unroll")
        for (int c = 0; c < WN; c++) {
            const int j = j0 + lx + c * RN;
            if (i < M && j < N) {
                global float* out = C + i * ldc + j;
                *out = alpha * acc[r][c] + (beta != 0.0f ? beta * *out : 0.0f);
            }
        }
    }
    #undef RN
    #undef RM
}

/* Kernels gemm_pack_a, gemm_pack_b, gemm_packed: the blocked product on copies of op(A) and
   op(B) laid out in the order the register block reads them, so that each work-item streams
   two arrays front to back instead of TM rows of A and one strip of B lying a row apart:

     Ap[z][M/TM blocks][K][TM]    Bp[z][N/(VW*VN) panels][K][VW*VN]

   (rows past M and columns past N are zeros, so the loop has no edge). On PoCL 3.1 (Xeon)
   the same register block ran 1.2-4x faster on them, packing included, than on the operands
   as they lie (1024^3: 59 -> 240 GFLOP/s; 512 x 256 x 512: 112 -> 152).
   Global (blocks, K / PACK_K, items) for the packs, (M/TM, panels, items) for the product;
   items are a batch (sap, sbp: the packed operands' sizes) or slices of K (kslice > 0, both 0). */
#define PACK_K 256
#define PACK_PANELS 8
#define NR (VW * VN)

kernel void gemm_pack_a(int M, int K, global const float* A, int offA, int lda, int sa, global float* Ap, int sap) {
    const int ib = get_global_id(0), p0 = get_global_id(1) * PACK_K, z = get_global_id(2);
    A += offA + (long)z * sa;
    global float* d = Ap + (long)z * sap + (long)ib * K * TM;
    int p = p0;
#if !TRANS_A /* 16 values along each of the TM rows, interleaved in registers and stored as TM vectors */
    if ((ib + 1) * TM <= M) {
        for (; p + 16 <= min(p0 + PACK_K, K); p += 16) {
            float rows[TM][16], out[16 * TM];
            _Pragma("unroll")
            for (int r = 0; r < TM; r++) {
                vstore16(vload16(0, A + (long)(ib * TM + r) * lda + p), 0, rows[r]);
            }
            _Pragma("unroll")
            for (int e = 0; e < 16 * TM; e++) {
                out[e] = rows[e % TM][e / TM];
            }
            _Pragma("unroll")
            for (int r = 0; r < TM; r++) {
                vstore16(vload16(r, out), r, d + p * TM);
            }
        }
    }
#endif
    for (; p < min(p0 + PACK_K, K); p++) {
        for (int r = 0; r < TM; r++) {
            const int i = ib * TM + r;
            d[p * TM + r] = i < M ? A_AT(i, p) : 0.0f;
        }
    }
}

kernel void gemm_pack_b(int N, int K, global const float* B, int offB, int ldb, int sb, global float* Bp, int sbp) {
    const int jp = get_global_id(0), p0 = get_global_id(1) * PACK_K, z = get_global_id(2);
    B += offB + (long)z * sb;
    global float* d = Bp + (long)z * sbp + (long)jp * K * NR;
    const int j0 = jp * NR;
#if TRANS_B /* each column of op(B) is a contiguous run: 16 values of each of VW columns, interleaved in registers */
    int pv = p0;
    if (j0 + NR <= N) {
        for (; pv + 16 <= min(p0 + PACK_K, K); pv += 16) {
            _Pragma("unroll")
            for (int q = 0; q < VN; q++) {
                float cols[VW][16], out[16 * VW];
                _Pragma("unroll")
                for (int l = 0; l < VW; l++) {
                    vstore16(vload16(0, B + (long)(j0 + q * VW + l) * ldb + pv), 0, cols[l]);
                }
                _Pragma("unroll")
                for (int e = 0; e < 16 * VW; e++) {
                    out[e] = cols[e % VW][e / VW];
                }
                _Pragma("unroll")
                for (int i = 0; i < 16; i++) {
                    vstoreV(vloadV(i, out), 0, d + (pv + i) * NR + q * VW);
                }
            }
        }
    }
    for (int l = 0; l < NR; l++) {
        for (int p = pv; p < min(p0 + PACK_K, K); p++) {
            d[p * NR + l] = j0 + l < N ? B_AT(p, j0 + l) : 0.0f;
        }
    }
#else /* PACK_PANELS panels per work-item (jp counts groups of them), row by row: each row of B is read PACK_PANELS * NR
         values at a time; a panel's 128 bytes per row, the rows a whole row of B apart, read resnet18's stem im2col at 5 GB/s */
    const int panels = (N + NR - 1) / NR, jq0 = jp * PACK_PANELS, jqn = min(PACK_PANELS, panels - jq0);
    global float* dz = Bp + (long)z * sbp;
    for (int p = p0; p < min(p0 + PACK_K, K); p++) {
        global const float* row = B + (long)p * ldb;
        for (int pp = 0; pp < jqn; pp++) {
            const int j1 = (jq0 + pp) * NR;
            global float* dq = dz + (long)(jq0 + pp) * K * NR + p * NR;
            if (j1 + NR <= N) {
                _Pragma("unroll")
                for (int q = 0; q < VN; q++) {
                    vstoreV(vloadV(q, row + j1), q, dq);
                }
            } else {
                for (int l = 0; l < NR; l++) {
                    dq[l] = j1 + l < N ? row[j1 + l] : 0.0f;
                }
            }
        }
    }
#endif
}

kernel void gemm_packed(int M, int N, int K, float alpha, global const float* Ap, global const float* Bp, float beta,
                        global float* C, int offC, int ldc, int kslice, int sap, int sbp, int sc ROWBIAS_PARAMS) {
    const int ib = get_global_id(0), jp = get_global_id(1), z = get_global_id(2);
    const int i0 = ib * TM, j00 = jp * NR;
    if (i0 >= M || j00 >= N) {
        return;
    }
    const int Kfull = K, pBegin = kslice > 0 ? z * kslice : 0, pEnd = kslice > 0 ? min(K, pBegin + kslice) : K;
    global const float* a = Ap + (long)z * sap + (long)ib * Kfull * TM;
    global const float* b = Bp + (long)z * sbp + (long)jp * Kfull * NR;
    C += offC + (long)z * sc;
    ROWBIAS_OFFSET(offC + (long)z * sc);
    floatV acc[TM][VN];
    _Pragma("unroll")
    for (int r = 0; r < TM; r++) {
        _Pragma("unroll")
        for (int q = 0; q < VN; q++) {
            acc[r][q] = (floatV)(0.0f);
        }
    }
    for (int p = pBegin; p < pEnd; p++) {
        floatV bv[VN];
        _Pragma("unroll")
        for (int q = 0; q < VN; q++) {
            bv[q] = vloadV(q, b + p * NR);
        }
        _Pragma("unroll")
        for (int r = 0; r < TM; r++) {
            const floatV av = (floatV)(a[p * TM + r]);
            _Pragma("unroll")
            for (int q = 0; q < VN; q++) {
                acc[r][q] = MADD(av, bv[q], acc[r][q]);
            }
        }
    }
    STORE_BLOCK();
}

/* dst[r * ldd + c] = src[off + r * lds + c] for r < rows, c < cols: a matrix copied to a
   row stride that does not alias in the cache (see ClGemm). One work-item per row. */
kernel void copy_rows(global const float* src, int off, int lds, global float* dst, int ldd, int rows, int cols) {
    const int r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    global const float* s = src + off + r * lds;
    global float* d = dst + r * ldd;
    for (int c = 0; c < cols; c++) {
        d[c] = s[c];
    }
}

kernel void sum_splits(global const float* P, int splits, int MN, float alpha, float beta,
                       global float* C, int offC, int M, int N, int ldc) {
    const int e = get_global_id(0);
    if (e >= MN) {
        return;
    }
    float s = 0.0f;
    for (int k = 0; k < splits; k++) {
        s += P[k * MN + e];
    }
    global float* c = C + offC + (e / N) * ldc + e % N;
    *c = alpha * s + (beta != 0.0f ? beta * *c : 0.0f);
}
