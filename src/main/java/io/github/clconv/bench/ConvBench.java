package io.github.clconv.bench;

import io.github.clconv.tuning.Timer;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/** Forward + backward (dX, dW, db) time of one convolution layer. */
public final class ConvBench {
    public static final ConvGeom[] LAYERS = {
            new ConvGeom(64, 1, 28, 28, 20, 5, 5, 1, 0),
            new ConvGeom(64, 20, 12, 12, 50, 5, 5, 1, 0),
            new ConvGeom(32, 64, 56, 56, 64, 3, 3, 1, 1),
            new ConvGeom(32, 128, 28, 28, 128, 3, 3, 1, 1),
            // resnet20's three stages on 28x28 images (Fashion-MNIST), batch 64
            new ConvGeom(64, 16, 28, 28, 16, 3, 3, 1, 1),
            new ConvGeom(64, 32, 14, 14, 32, 3, 3, 1, 1),
            new ConvGeom(64, 64, 7, 7, 64, 3, 3, 1, 1)};

    public record Result(ConvGeom g, double forwardMs, double totalMs) {
        /** Forward, dX and dW each cost 2*N*K*OH*OW*C*R*S. */
        public double gflops() {
            return 3 * forwardFlops(g) / (totalMs / 1e3) / 1e9;
        }
    }

    private ConvBench() {
    }

    static double forwardFlops(ConvGeom g) {
        return 2.0 * g.n() * g.k() * g.oh() * g.ow() * g.colRows();
    }

    public static Result run(Backend b, ConvGeom g, int runs) {
        Random rnd = new Random(2);
        try (Buf x = b.upload(g.input(), GemmBench.random(g.input().size(), rnd)); Buf w = b.upload(g.weight(), GemmBench.random(g.weight().size(), rnd));
             Buf bias = b.zeros(Shape.of(g.k())); Buf y = b.zeros(g.output()); Buf dy = b.upload(g.output(), GemmBench.random(g.output().size(), rnd));
             Buf dx = b.zeros(g.input()); Buf dw = b.zeros(g.weight()); Buf db = b.zeros(Shape.of(g.k()))) {
            int reps = (int) Math.max(1, Math.min(20, 1e9 / forwardFlops(g)));
            double fwd = Timer.median(b::finish, 1, runs, reps, () -> b.conv2dForward(x, w, bias, g, y));
            Shape keep = b.convKept(g); // as a training step: the forward keeps what the backward reuses
            try (Buf kept = keep != null ? b.zeros(keep) : null) {
                double both = Timer.median(b::finish, 1, runs, reps, () -> {
                    if (kept != null) {
                        b.conv2dForwardKeeping(x, w, bias, g, y, kept);
                        b.conv2dBackwardKept(x, w, dy, g, dx, dw, db, kept);
                    } else {
                        b.conv2dForward(x, w, bias, g, y);
                        b.conv2dBackward(x, w, dy, g, dx, dw, db);
                    }
                });
                return new Result(g, fwd * 1e3, both * 1e3);
            }
        }
    }
}
