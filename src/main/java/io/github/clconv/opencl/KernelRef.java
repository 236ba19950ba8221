package io.github.clconv.opencl;

/**
 * A launcher's typed handle on one kernel: opencl/{@code file} built with {@code options}, kernel {@code name}. A
 * context builds it on first use and keeps it ({@link ClContext#kernel(KernelRef)}), so launchers name their kernels
 * once, as constants, instead of spelling (file, options, name) at every call. Kernels whose build options vary per
 * call (GEMM variants, direct convolution's filter size) are looked up by their strings instead.
 */
record KernelRef(String file, String options, String name) {
    KernelRef(String file, String name) {
        this(file, "", name);
    }
}
