/*
 * madd.h — the multiply-add and token pasting the vector kernels share (included by ClContext).
 *
 * HAS_FMA (set by ClContext from CL_DEVICE_SINGLE_FP_CONFIG): without CL_FP_FMA, fma()
 * must still round once, which such a device emulates in software (rusticl on llvmpipe:
 * about 8x slower than a multiply and an add).
 */
#if HAS_FMA
#define MADD(a, b, c) fma(a, b, c)
#else
#define MADD(a, b, c) ((a) * (b) + (c))
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
