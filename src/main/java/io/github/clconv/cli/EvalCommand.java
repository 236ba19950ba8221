package io.github.clconv.cli;

import io.github.clconv.train.Checkpoint;
import java.util.ArrayList;
import java.util.List;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
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
    @Option(names = "--data-budget", paramLabel = "MiB", description = "Device memory the test set may take; a larger one is streamed"
            + " in chunks of that size. Default: a quarter of the device's memory.")
    Long dataBudget;
    @Option(names = "--load", required = true, description = "Checkpoint: clconv's safetensors, a PyTorch state_dict (.pth, .pt; with --model) or an .onnx file.")
    Path load;
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--data", description = "Data folder (any format train --data takes); its test set is used. Default: /usr/share/datasets/fashion-mnist.")
    Path data = Dataset.DEFAULT_DIR;
    @Option(names = "--image-size", paramLabel = "N", description = "An image folder's photos become N x N: the shorter side resized"
            + " (bilinear, antialiased) to N/0.875 and the centre cropped, as torchvision evaluates; an N x N image is used as it is."
            + " Default: the images' own size when they all share one, else 224.")
    int imageSize;
    @Option(names = "--model", description = "Model spec, when the checkpoint holds none.")
    String model;
    @Option(names = "--batch", defaultValue = "256", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        Dataset test = Dataset.loadTest(data, imageSize);
        double[][] norm = Checkpoint.read(load).normalization(load);
        if (norm != null) {
            test = test.normalized(norm[0], norm[1]);
        }
        try (Backend b = Backends.open(device); Model loaded = Models.open(model, load, test.sample(), 0, b, 0L)) {
            Models.checkFits(loaded, test.classes(), false);
            Model net = BatchNormFolding.applies(loaded) ? BatchNormFolding.fold(loaded) : loaded;
            try (DeviceDataset testDev = DeviceDataset.open(b, test, dataBudget)) {
                Evaluator.evaluate(net, testDev, batch); // warm-up: kernels built, buffers allocated
                Evaluation e = Evaluator.evaluate(net, testDev, batch);
                System.err.printf(java.util.Locale.ROOT, "eval: %s on %s: loss %.4f, accuracy %.4f (top-5 %.4f), %,.0f images/s%n", loaded.describe(), b.name(), e.loss(),
                        e.accuracy(), e.top5(), e.imagesPerSec());
                List<String> names = Checkpoint.read(load).classNames();
                if (names.isEmpty() && test.classNames().size() == e.perClass().length) {
                    names = test.classNames();
                }
                double[] perClass = e.perClassAccuracy();
                // the keys of train's summary, so that the two can be compared
                Json out = new Json().put("model", loaded.describe()).put("checkpoint", load.toString()).put("device", b.name())
                        .put("test_loss", e.loss()).put("test_accuracy", e.accuracy()).put("top5_accuracy", e.top5())
                        .put("images_per_sec", e.imagesPerSec());
                List<Object> acc = new ArrayList<>();
                for (double a : perClass) {
                    acc.add(a);
                }
                out.put("per_class_accuracy", acc);
                if (perClass.length <= MATRIX_LIMIT && e.confusion() != null) {
                    printConfusion(e.confusion(), perClass, names);
                    List<Object> rows = new ArrayList<>();
                    for (int[] row : e.confusion()) {
                        rows.add(java.util.Arrays.stream(row).boxed().map(v -> (Object) v).toList());
                    }
                    out.put("confusion", rows);
                }
                System.out.println(out);
            } finally {
                if (net != loaded) {
                    net.close();
                }
            }
        }
        return 0;
    }

    /** A confusion matrix (and its JSON) is shown up to this many classes; beyond, per-class accuracy only. */
    private static final int MATRIX_LIMIT = 40;

    /** Rows: the true class; columns: the predicted one; then the class's accuracy. */
    private static void printConfusion(int[][] m, double[] perClass, List<String> names) {
        int width = 5;
        for (int[] row : m) {
            for (int v : row) {
                width = Math.max(width, String.valueOf(v).length() + 1);
            }
        }
        StringBuilder head = new StringBuilder(String.format(java.util.Locale.ROOT, "%-16s", "true \\ predicted"));
        for (int c = 0; c < m.length; c++) {
            head.append(String.format(java.util.Locale.ROOT, "%" + width + "d", c));
        }
        System.err.println(head.append("  accuracy"));
        for (int r = 0; r < m.length; r++) {
            String label = r < names.size() ? r + " " + names.get(r) : String.valueOf(r);
            StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%-16.16s", label));
            for (int v : m[r]) {
                line.append(String.format(java.util.Locale.ROOT, "%" + width + "d", v));
            }
            System.err.println(line.append(String.format(java.util.Locale.ROOT, "  %8.4f", perClass[r])));
        }
    }
}
