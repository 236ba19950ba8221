/**
 * The OpenCL backend. The runtime (ClContext, ClBuffer, ClKernel, ClDevices, KernelRef) apart
 * from the op launchers (ClGemm, ClPool, ClNorm, ...) that ClBackend routes to; the
 * convolution algorithms (ConvAlgorithm) registered in ConvRouter; and the tuners that choose
 * kernels by measurement per device and driver (GemmTuner, MovementTuner, ConvTuner), clients
 * of the tuning package.
 */
package io.github.clconv.opencl;
