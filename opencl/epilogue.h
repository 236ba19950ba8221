/*
 * epilogue.h — what a convolution does to each value as it stores it (Backend.conv2dForward's
 * activation), so that no separate pass reads the output back: flags bit 0 adds the bias,
 * bit 1 applies ReLU, bit 2 ReLU6 (activation.cl's codes 0 and 7, same results). Works on
 * scalars and vectors alike. Set by ConvAlgorithm.flags (bit 3, a residual added, by the kernels
 * that take one).
 */
#define EPI_BIAS 1
#define EPI_RELU 2
#define EPI_RELU6 4
#define EPI_RESIDUAL 8 /* a residual (same shape as the output) added before the activation: direct_conv */
#define EPILOGUE(v, flags) (((flags) & EPI_RELU) ? fmax((v), 0.0f) : ((flags) & EPI_RELU6) ? clamp((v), 0.0f, 6.0f) : (v))
