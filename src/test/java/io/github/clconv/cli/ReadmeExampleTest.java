package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Sequential;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.Evaluation;
import io.github.clconv.train.Evaluator;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.Trainer;
import io.github.clconv.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "Training from Java" example, line for line but on generated 28x28 data, so the README cannot rot. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRuns() throws Exception {
        Path dataDir = SyntheticData.folder(dir, 640, 200, 28, true, 4L);
        Evaluation last = null;
        try (Backend b = ClBackend.open("auto");
             Sequential net = Sequential.of(ModelSpec.parse("lenet"), Shape.of(1, 28, 28), b, 42L);
             Optimizer sgd = new Optimizer(net, Optimizer.Kind.SGD, 0.01f, 0.9f, false, 0f);
             Trainer trainer = new Trainer(net, sgd, 64, true, 42L, 50)) {
            Dataset[] data = Dataset.load(dataDir);
            try (DeviceDataset train = new DeviceDataset(b, data[0]);
                 DeviceDataset test = new DeviceDataset(b, data[1])) {
                for (int epoch = 1; epoch <= 5; epoch++) {
                    double loss = trainer.epoch(train, epoch, new TrainingListener() { });
                    Evaluation e = Evaluator.evaluate(net, test, 256);
                    System.out.printf("epoch %d: train loss %.4f, test accuracy %.4f%n", epoch, loss, e.accuracy());
                    last = e;
                }
                Checkpoint.save(net, dir.resolve("lenet.safetensors"));
            }
        }
        assertTrue(last.accuracy() > 0.9, "accuracy " + last.accuracy());
        assertTrue(Files.size(dir.resolve("lenet.safetensors")) > 4 * 430_000, "lenet has about 431k parameters");
    }
}
