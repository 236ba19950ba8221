package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.GemmPlan;
import io.github.clconv.opencl.GemmVariant;

/** Turns a --device value into a backend: reference, or an OpenCL device. */
final class Backends {
    static final String DEVICE_HELP = "auto (first GPU, else CPU), gpu, cpu, reference (pure Java) or an index from `clconv devices`";

    static final String GEMM_HELP = "Run every GEMM with this variant instead of the device's tuned plan, e.g. 'tiled TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1',"
            + " 'blocked TM=8 VW=16 WG=1' (A * B^T then uses 'nt TR=4 TC=4 VK=8 WG=1') or 'clblast'; see `clconv tune` for the candidates.";

    private Backends() {
    }

    static Backend open(String spec) {
        return open(spec, null);
    }

    /** gemm: a variant spec that every GEMM shape class uses (null: the device's plan). */
    static Backend open(String spec, String gemm) {
        if ("reference".equalsIgnoreCase(spec.trim())) {
            if (gemm != null) {
                throw new IllegalArgumentException("--gemm chooses an OpenCL GEMM kernel; it does not apply to --device reference");
            }
            return new ReferenceBackend();
        }
        return ClBackend.open(spec, gemm == null ? null : GemmPlan.uniform(GemmVariant.parse(gemm), "--gemm"));
    }
}
