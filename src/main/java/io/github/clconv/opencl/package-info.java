/**
 * The OpenCL backend. The runtime (ClContext, ClBuffer, ClKernel, ClDevices, KernelRef) apart
 * from the op launchers (ClConv, ClWinograd, ClDirect, ClGemm, ClPool, ClNorm, ...), and the
 * tuners that choose kernels by measurement per device and driver (GemmTuner, MovementTuner,
 * ConvTuner), whose files TuningCache reads as advice.
 */
package io.github.clconv.opencl;
