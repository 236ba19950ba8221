package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Sequential;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** Builds the model a command names: from --model, or from the spec stored in a --load checkpoint. */
final class Models {
    private Models() {
    }

    /** A classifier for this data: one output per class, and something to train. */
    static void checkFits(Sequential net, int classes) {
        checkFits(net, classes, true);
    }

    /** exact false (eval of a test set, which need not hold every class): at least one output per class. */
    static void checkFits(Sequential net, int classes, boolean exact) {
        Shape out = net.output();
        if (out.rank() != 1 || (exact ? out.dim(0) != classes : out.dim(0) < classes)) {
            throw new IllegalArgumentException("the model " + net.spec() + " gives " + out + " outputs per image but the data has " + classes
                    + " classes; end the model with linear(" + classes + ")");
        }
        if (net.parameterCount() == 0) {
            throw new IllegalArgumentException("the model " + net.spec() + " has no trainable parameters; add conv or linear layers");
        }
    }

    static Sequential open(String modelSpec, Path load, Shape dataInput, Backend b, long seed) throws IOException {
        if (load == null) {
            return Sequential.of(ModelSpec.parse(modelSpec), dataInput, b, seed);
        }
        Checkpoint.Contents c = Checkpoint.read(load);
        String spec = modelSpec != null ? modelSpec : c.spec(load);
        Shape input = dataInput != null ? dataInput : c.input(load);
        ModelSpec parsed = ModelSpec.parse(spec);
        Checkpoint.check(parsed.paramShapes(input), c, load);
        Sequential m = Sequential.of(parsed, input, b, seed);
        try {
            Checkpoint.restore(m, c, load);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }
}
