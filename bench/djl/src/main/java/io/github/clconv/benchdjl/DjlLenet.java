package io.github.clconv.benchdjl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * Caffe's LeNet on Fashion-MNIST with DJL's PyTorch engine, the settings of `clconv train`
 * and `clconv bench` (batch 64, SGD lr 0.01 momentum 0.9, one epoch, data preloaded):
 * training images/s over the epoch, inference images/s at batch 256 (median of 5 passes),
 * test accuracy. One JSON line on stdout with the field names of `clconv bench`.
 *
 * Usage: java -Dai.djl.offline=true -cp 'target/clconv-bench-djl.jar:target/lib/*' \
 *          io.github.clconv.benchdjl.DjlLenet [DATA_DIR]   (with PYTORCH_FLAVOR=cpu)
 */
public final class DjlLenet {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
        float[] trainX = images(dir.resolve("train-images-idx3-ubyte.gz")), testX = images(dir.resolve("t10k-images-idx3-ubyte.gz"));
        int[] trainY = labels(dir.resolve("train-labels-idx1-ubyte.gz")), testY = labels(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        int n = trainY.length, batch = 64, steps = n / batch;

        SequentialBlock lenet = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(20).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(50).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(500).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
        try (Model model = Model.newInstance("lenet", Device.cpu())) {
            model.setBlock(lenet);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).optMomentum(0.9f).build())
                    .optDevices(new Device[]{Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(batch, 1, 28, 28));
                NDManager manager = trainer.getManager();
                int[] order = shuffled(n, new Random(42));
                float[] x = new float[n * 784], y = new float[n];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(trainX, order[i] * 784, x, i * 784, 784);
                    y[i] = trainY[order[i]];
                }
                NDArray xs = manager.create(x, new Shape(n, 1, 28, 28)), ys = manager.create(y, new Shape(n));
                long t0 = System.nanoTime();
                double lossSum = 0;
                for (int s = 0; s < steps; s++) {
                    try (NDManager step = manager.newSubManager()) {
                        NDIndex rows = new NDIndex(s * batch + ":" + (s + 1) * batch);
                        NDArray bx = xs.get(rows), by = ys.get(rows);
                        bx.attach(step);
                        by.attach(step);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(bx)).singletonOrThrow();
                            NDArray loss = trainer.getLoss().evaluate(new NDList(by), new NDList(out));
                            gc.backward(loss);
                            if (s % 50 == 0) {
                                lossSum = loss.getFloat();
                            }
                        }
                        trainer.step();
                    }
                }
                double trainSecs = (System.nanoTime() - t0) / 1e9;
                double[] infer = new double[5];
                double accuracy = 0;
                NDArray tx = manager.create(testX, new Shape(testY.length, 1, 28, 28));
                for (int r = -1; r < infer.length; r++) { // r = -1: warm-up
                    long i0 = System.nanoTime();
                    int correct = 0;
                    for (int start = 0; start < testY.length; start += 256) {
                        int end = Math.min(testY.length, start + 256);
                        try (NDManager step = manager.newSubManager()) {
                            NDArray bx = tx.get(new NDIndex(start + ":" + end));
                            bx.attach(step);
                            NDArray out = lenet.forward(new ParameterStore(step, false), new NDList(bx), false).singletonOrThrow();
                            long[] pred = out.argMax(1).toLongArray();
                            for (int i = 0; i < pred.length; i++) {
                                correct += pred[i] == testY[start + i] ? 1 : 0;
                            }
                        }
                    }
                    if (r >= 0) {
                        infer[r] = testY.length / ((System.nanoTime() - i0) / 1e9);
                    }
                    accuracy = (double) correct / testY.length;
                }
                Arrays.sort(infer);
                System.err.printf(Locale.ROOT, "DJL %s (%s): last logged loss %.4f%n", Engine.getInstance().getEngineName(), Engine.getInstance().getVersion(), lossSum);
                System.out.printf(Locale.ROOT, "{\"framework\": \"DJL %s %s\", \"train_images_per_sec\": %.1f, \"infer_images_per_sec\": %.1f, \"test_accuracy\": %.4f, \"train_seconds\": %.2f}%n",
                        Engine.getInstance().getEngineName(), Engine.getInstance().getVersion(), steps * batch / trainSecs, infer[2], accuracy, trainSecs);
            }
        }
    }

    static int[] shuffled(int n, Random rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static byte[] idx(Path file, int rank) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file)); DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != (0x800 | rank)) {
                throw new IOException(file + ": not an IDX file of rank " + rank);
            }
            long total = 1;
            for (int i = 0; i < rank; i++) {
                total *= d.readInt();
            }
            return d.readNBytes((int) total);
        }
    }

    static float[] images(Path file) throws IOException {
        byte[] b = idx(file, 3);
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) {
            f[i] = (b[i] & 0xFF) / 255f;
        }
        return f;
    }

    static int[] labels(Path file) throws IOException {
        byte[] b = idx(file, 1);
        int[] l = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            l[i] = b[i] & 0xFF;
        }
        return l;
    }
}
