package io.github.clconv.cli;

import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.ActivationLayer;
import io.github.clconv.nn.BatchNorm;
import io.github.clconv.nn.Conv2d;
import io.github.clconv.nn.GlobalAvgPool;
import io.github.clconv.nn.Graph;
import io.github.clconv.nn.Linear;
import io.github.clconv.nn.Model;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.Classifier;
import io.github.clconv.train.Fit;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Use from Java" example, line for line but on generated 28x28 data (in place
 * of Fashion-MNIST) and in a temporary folder, so the README cannot rot; the prints are
 * collected and checked.
 */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRuns() throws Exception {
        Path dataDir = SyntheticData.folder(dir, 6400, 500, 28, true, 4L, true);
        List<Double> accuracies = new ArrayList<>();
        Classifier.Prediction[] first = new Classifier.Prediction[1];
        int[] label = new int[1];
        try (Backend b = ClBackend.open("auto")) {                      // the first GPU, else a CPU device
            Dataset[] data = Dataset.load(dataDir);                     // train, test
            Dataset train = data[0].limit(6400);
            Graph.Builder g = new Graph.Builder();                      // conv-bn-relu, a residual block, pooling, linear
            Graph.Node h = g.layer("stem", new Conv2d(16, 3, 1, 1, 1, false), g.input());
            h = g.layer("stem_relu", new ActivationLayer(Activation.RELU, 0f), g.layer("stem_bn", new BatchNorm(), h));
            Graph.Node r = g.layer("block.bn", new BatchNorm(), g.layer("block.conv", new Conv2d(16, 3, 1, 1, 1, false), h));
            h = g.layer("block.relu", new ActivationLayer(Activation.RELU, 0f), g.add(r, h));
            h = g.layer("fc", new Linear(10), g.layer("pool", new GlobalAvgPool(), h));
            try (Model net = g.build(h, train.sample(), b, 42L);
                 Fit fit = Fit.builder(net, Optimizer.Config.sgd(0.05f).withMomentum(0.9f)).batch(64).epochs(1)
                         .listener(new TrainingListener() {
                             @Override
                             public void epoch(EpochResult e) {
                                 System.out.printf("epoch %d: test accuracy %.4f%n", e.epoch(), e.test().accuracy());
                                 accuracies.add(e.test().accuracy());
                             }
                         }).build()) {
                fit.run(train, data[1]);
                Checkpoint.save(net, dir.resolve("residual.safetensors"));  // PyTorch state_dict names: stem.weight, block.bn.running_var, ...
                try (Classifier c = Classifier.of(net, train.classNames(), null)) {
                    Classifier.Prediction p = c.predict(java.util.Arrays.copyOf(data[1].images(), 28 * 28));
                    System.out.printf("first test image: class %d (p = %.2f), labelled %d%n", p.label(), p.probability(), data[1].labels()[0]);
                    first[0] = p;
                    label[0] = data[1].labels()[0];
                }
                // the file alone rebuilds the graph: its nodes are in the metadata
                try (Classifier back = Classifier.load(dir.resolve("residual.safetensors"), b)) {
                    Classifier.Prediction q = back.predict(java.util.Arrays.copyOf(data[1].images(), 28 * 28));
                    for (int k = 0; k < 10; k++) {
                        assertEquals(first[0].probabilities()[k], q.probabilities()[k], 1e-5, "class " + k);
                    }
                }
            }
        }
        assertEquals(1, accuracies.size(), "the listener heard of the one epoch");
        // counting 1 to 10 squares that may overlap is hard; chance is 0.1, and one epoch gets well above it
        assertTrue(accuracies.get(0) > 0.25, "one epoch learns the synthetic task: accuracy " + accuracies.get(0));
        Checkpoint.Contents c = Checkpoint.read(dir.resolve("residual.safetensors"));
        assertTrue(c.shapes().containsKey("stem.weight") && c.shapes().containsKey("block.bn.running_var") && !c.shapes().containsKey("stem.bias"),
                c.shapes().keySet().toString());
        assertTrue(first[0].probability() > 0 && first[0].probabilities().length == 10);
        assertTrue(Files.size(dir.resolve("residual.safetensors")) > 4 * 16 * 16 * 9);
    }
}
