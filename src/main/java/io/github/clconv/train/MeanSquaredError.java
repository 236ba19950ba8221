package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.HashMap;
import java.util.Map;

/** Mean squared error against a float target of the output's shape (regression, or one-hot targets). */
public final class MeanSquaredError implements Loss {
    private final Backend b;
    private final Map<Shape, Buf[]> buffers = new HashMap<>(); // per shape: loss, doutput
    private Buf[] current;
    private Buf output, target;

    public MeanSquaredError(Backend b) {
        this.b = b;
    }

    @Override
    public Buf forward(Buf output, Buf target) {
        this.output = output;
        this.target = target;
        current = buffers.computeIfAbsent(output.shape(), s -> new Buf[]{b.zeros(Shape.of(1)), b.zeros(s)});
        b.mseForward(output, target, current[0]);
        return current[0];
    }

    @Override
    public Buf backward() {
        b.mseBackward(output, target, current[1]);
        return current[1];
    }

    @Override
    public void close() {
        buffers.values().forEach(bs -> {
            for (Buf x : bs) {
                x.close();
            }
        });
        buffers.clear();
    }
}
