package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import org.jocl.blast.CLBlast;

/** CLBlast's SGEMM on the same context and queue as clconv's: a GEMM variant, and the peer in `clconv bench`. */
public final class ClBlastGemm {
    private static volatile boolean loaded;
    private final ClBackend backend;

    public ClBlastGemm(ClBackend backend) {
        this.backend = backend;
        load();
    }

    /** Loads CLBlast's native library once, or says why it cannot. */
    static void load() {
        if (loaded) {
            return;
        }
        synchronized (ClBlastGemm.class) {
            try {
                CLBlast.setExceptionsEnabled(true);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                throw new ClException("CLBlast (bundled by org.jocl:jocl-blast) cannot be loaded: " + e.getMessage());
            }
            loaded = true;
        }
    }

    /** c = alpha * op(a) * op(b) + beta * c, row-major, dense. */
    public void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        backend.gemmWith(GemmVariant.parse("clblast"), ta, tb, alpha, a, b, beta, c);
    }
}
