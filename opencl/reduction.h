/*
 * reduction.h — the work-group tree sum that the reductions share (included by ClContext).
 *
 * RED work-items per group (a power of two, a build option). Each work-item's partial sum
 * goes into local memory and halves are added pairwise, so the order is fixed for a
 * given RED and results are deterministic.
 */

#ifndef RED
#define RED 64
#endif

/* The sum of every work-item's v, returned to all of them; s holds RED floats. */
static float group_sum(local float* s, float v) {
    const int l = get_local_id(0);
    barrier(CLK_LOCAL_MEM_FENCE); // s may still be read after the previous call
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = RED / 2; h > 0; h >>= 1) {
        if (l < h) {
            s[l] += s[l + h];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return s[0];
}

/* The sum of a float16's lanes, in a fixed order. */
inline float hsum16(float16 v) {
    const float8 a = v.lo + v.hi;
    const float4 b = a.lo + a.hi;
    const float2 c = b.lo + b.hi;
    return c.x + c.y;
}

/* The plane's values run through 16-wide vectors (sixteen partial sums in lanes), the last
   P mod 16 one by one. */
inline float plane_sum(global const float* v, int P, float shift, int square) {
    float16 acc = 0.0f;
    int p = 0;
    for (; p + 16 <= P; p += 16) {
        const float16 d = vload16(0, v + p) - shift;
        acc += square ? d * d : d;
    }
    float t = 0.0f;
    for (; p < P; p++) {
        const float d = v[p] - shift;
        t += square ? d * d : d;
    }
    return hsum16(acc) + t;
}
