package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** Builds the model a command names: from --model, or from the spec stored in a --load checkpoint. */
final class Models {
    private Models() {
    }

    /** A classifier for this data: one output per class, and something to train. */
    static void checkFits(Model net, int classes) {
        checkFits(net, classes, true);
    }

    /** exact false (eval of a test set, which need not hold every class): at least one output per class. */
    static void checkFits(Model net, int classes, boolean exact) {
        Shape out = net.output();
        if (out.rank() != 1 || (exact ? out.dim(0) != classes : out.dim(0) < classes)) {
            throw new IllegalArgumentException("the model " + net.describe() + " gives " + out + " outputs per image but the data has " + classes
                    + " classes; end the model with linear(" + classes + ")");
        }
        if (net.parameterCount() == 0) {
            throw new IllegalArgumentException("the model " + net.describe() + " has no trainable parameters; add conv or linear layers");
        }
    }

    /** open, then checkFits: a model whose output does not fit the data's classes is closed and refused. */
    static Model openFitting(String modelSpec, Path load, Shape dataInput, int classes, Backend b, long seed) throws IOException {
        Model net = open(modelSpec, load, dataInput, classes, b, seed);
        try {
            checkFits(net, classes);
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * classes: the training data's class count, which a preset named without one (lenet,
     * resnet20) takes; 0 when there is no training data (eval, predict), where such a preset
     * in a checkpoint's metadata takes the count from the file's classifier tensor.
     */
    static Model open(String modelSpec, Path load, Shape dataInput, int classes, Backend b, long seed) throws IOException {
        if (load == null) {
            ModelSpec spec = ModelSpec.parse(modelSpec);
            return (classes > 0 ? spec.withClasses(classes) : spec).build(dataInput, b, seed);
        }
        return Checkpoint.load(load, modelSpec, dataInput, classes, b, seed);
    }
}
