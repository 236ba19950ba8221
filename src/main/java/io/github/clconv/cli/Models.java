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

    static Sequential open(String modelSpec, Path load, Shape dataInput, Backend b, long seed) throws IOException {
        if (load == null) {
            return Sequential.of(ModelSpec.parse(modelSpec), dataInput, b, seed);
        }
        Checkpoint.Contents c = Checkpoint.read(load);
        String spec = modelSpec != null ? modelSpec : c.spec(load);
        Shape input = dataInput != null ? dataInput : c.input(load);
        Sequential m = Sequential.of(ModelSpec.parse(spec), input, b, seed);
        try {
            Checkpoint.restore(m, c, load);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }
}
