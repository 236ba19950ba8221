/*
 * peak.cl — the device's attainable float32 multiply-add rate, the yardstick `clconv bench`
 * divides its layers' GFLOP/s by.
 *
 *   fma_peak: each work-item runs CHAINS independent chains acc = acc * a + b on VW-wide values
 *             for iters steps (2 * VW * CHAINS FLOPs a step), then stores their sum so that
 *             nothing can be left out. a < 1 keeps every value finite and normal.
 *
 * CHAINS independent chains hide the multiply-add latency (a few cycles) on every unit; VW = 1
 * suits devices that run work-items in SIMD lanes (GPUs), VW = 8 or 16 CPU runtimes that give a
 * work-item its own vector registers (chains that overflow the register file spill: the host
 * sizes CHAINS per width, times each and keeps the fastest).
 *
 * Build: -DVW=1|4|8|16, optional -DCHAINS.
 */
#include "madd.h"

#ifndef VW
#define VW 16
#endif
#ifndef CHAINS /* independent multiply-add chains per work-item */
#define CHAINS 12
#endif
#if VW == 1
#define floatV float
#else
#define floatV CAT(float, VW)
#endif

kernel void fma_peak(global float* out, int iters, float a, float b) {
    floatV acc[CHAINS];
    _Pragma("unroll")
    for (int c = 0; c < CHAINS; c++) {
        acc[c] = (floatV)((float)(get_global_id(0) % 7 + c));
    }
    const floatV va = (floatV)(a), vb = (floatV)(b);
    for (int it = 0; it < iters; it++) {
        _Pragma("unroll")
        for (int c = 0; c < CHAINS; c++) {
            acc[c] = MADD(acc[c], va, vb);
        }
    }
    floatV s = acc[0];
    _Pragma("unroll")
    for (int c = 1; c < CHAINS; c++) {
        s += acc[c];
    }
#if VW == 1
    out[get_global_id(0)] = s;
#else
    float t[VW];
    CAT(vstore, VW)(s, 0, t);
    float total = 0.0f;
    for (int l = 0; l < VW; l++) {
        total += t[l];
    }
    out[get_global_id(0)] = total;
#endif
}
