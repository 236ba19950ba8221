package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.opencl.ClBackend;

/** Turns a --device value into a backend: reference, or an OpenCL device. */
final class Backends {
    static final String DEVICE_HELP = "auto (first GPU, else CPU), gpu, cpu, reference (pure Java) or an index from `clconv devices`";

    private Backends() {
    }

    static Backend open(String spec) {
        if ("reference".equalsIgnoreCase(spec.trim())) {
            return new ReferenceBackend();
        }
        return ClBackend.open(spec);
    }
}
