package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

/** A JVM that queues GEMMs on a backend it never closes and exits at once (ConcurrencyTest runs it). */
public final class ExitWithWorkQueued {
    private ExitWithWorkQueued() {
    }

    public static void main(String[] args) {
        ClBackend b = ClBackend.open(args.length > 0 ? args[0] : "auto");
        Buf a = b.zeros(Shape.of(256, 256)), c = b.zeros(Shape.of(256, 256));
        for (int i = 0; i < 40; i++) {
            b.gemm(false, false, 1f, a, a, 0f, c);
        }
        System.out.println("queued");
        System.exit(0);
    }
}
