package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Sequential;
import io.github.clconv.train.Evaluation;
import io.github.clconv.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Loss and accuracy of a checkpoint on the test set (batch norms after convolutions folded into them).",
                "The last line on stdout is a JSON summary."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--load", required = true, description = "Checkpoint (safetensors) written by clconv train.")
    Path load;
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--data", description = "Data folder (any format train --data takes); its test set is used. Default: /usr/share/datasets/fashion-mnist.")
    Path data = Dataset.DEFAULT_DIR;
    @Option(names = "--model", description = "Model spec, when the checkpoint holds none.")
    String model;
    @Option(names = "--batch", defaultValue = "256", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        Dataset test = Dataset.loadTest(data);
        try (Backend b = Backends.open(device); Sequential loaded = Models.open(model, load, test.sample(), b, 0L)) {
            Models.checkFits(loaded, test.classes(), false);
            Sequential net = BatchNormFolding.applies(loaded) ? BatchNormFolding.fold(loaded) : loaded;
            try (DeviceDataset testDev = new DeviceDataset(b, test)) {
                Evaluator.evaluate(net, testDev, batch); // warm-up: kernels built, buffers allocated
                Evaluation e = Evaluator.evaluate(net, testDev, batch);
                System.err.printf("eval: %s on %s: loss %.4f, accuracy %.4f, %,.0f images/s%n", net.spec(), b.name(), e.loss(), e.accuracy(), e.imagesPerSec());
                // the keys of train's summary, so that the two can be compared
                System.out.println(new Json().put("model", loaded.spec()).put("checkpoint", load.toString()).put("device", b.name())
                        .put("test_loss", e.loss()).put("test_accuracy", e.accuracy()).put("images_per_sec", e.imagesPerSec()));
            } finally {
                if (net != loaded) {
                    net.close();
                }
            }
        }
        return 0;
    }
}
