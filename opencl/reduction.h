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
