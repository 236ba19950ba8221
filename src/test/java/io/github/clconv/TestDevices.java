package io.github.clconv;

import io.github.clconv.opencl.ClBackend;

/**
 * The OpenCL backend the tests run on: --device auto unless -Dclconv.test.device says
 * otherwise. No OpenCL means a failing test with the install hint, never a skip.
 */
public final class TestDevices {
    private static ClBackend backend;

    private TestDevices() {
    }

    public static synchronized ClBackend cl() {
        if (backend == null) {
            backend = ClBackend.open(System.getProperty("clconv.test.device", "auto"));
            System.out.println("OpenCL tests run on " + backend.name());
        }
        return backend;
    }
}
