package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import org.jocl.blast.CLBlast;
import org.jocl.blast.CLBlastLayout;
import org.jocl.blast.CLBlastTranspose;

/** CLBlast's SGEMM on the same context and queue as clconv's, for `clconv bench`. */
public final class ClBlastGemm {
    private final ClContext cl;

    public ClBlastGemm(ClBackend backend) {
        this.cl = backend.context();
        try {
            CLBlast.setExceptionsEnabled(true);
        } catch (UnsatisfiedLinkError e) {
            throw new ClException("CLBlast (bundled by org.jocl:jocl-blast) cannot be loaded: " + e.getMessage());
        }
    }

    /** c = alpha * op(a) * op(b) + beta * c, row-major, dense. */
    public void run(boolean ta, boolean tb, int m, int n, int k, float alpha, Buf a, Buf b, float beta, Buf c) {
        int status = CLBlast.CLBlastSgemm(CLBlastLayout.CLBlastLayoutRowMajor,
                ta ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                tb ? CLBlastTranspose.CLBlastTransposeYes : CLBlastTranspose.CLBlastTransposeNo,
                m, n, k, alpha, ClBuffer.of(a), 0, ta ? m : k, ClBuffer.of(b), 0, tb ? k : n, beta, ClBuffer.of(c), 0, n, cl.queue(), null);
        if (status != 0) {
            throw new ClException("CLBlast SGEMM failed with status " + status);
        }
    }
}
