package io.github.clconv.bench;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Evaluator;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.Trainer;
import io.github.clconv.train.TrainingListener;

import java.util.Arrays;

/**
 * lenet training images/s (batch 64, SGD momentum 0.9, data on the device) and inference
 * images/s (batch 256) on a real dataset: a warm-up pass, then the median of timed passes.
 */
public final class ModelBench {
    /** multiplyAdds: of one image's forward pass (Model.multiplyAdds). */
    public record Result(double trainImagesPerSec, double inferImagesPerSec, int trainImages, int inferImages, long multiplyAdds) {
        /** GFLOP/s of training: 2 FLOPs per multiply-add, three passes (forward and both gradients) per image. */
        public double trainGflops() {
            return trainImagesPerSec * 6.0 * multiplyAdds / 1e9;
        }
    }

    /** Training and inference images/s at one batch size, and batch-1 inference latency. */
    public record Sized(double trainImagesPerSec, double inferImagesPerSec, double latencyMs) {
    }

    private ModelBench() {
    }

    /**
     * A model at an input of its own (a torchvision preset at 224 x 224) on random images: no
     * data set is that size here. Training: SGD momentum, steps of batch; inference: batch
     * images per call with batch norms folded (as eval runs); latency: one image, median of
     * calls. Each figure the median of runs timed passes of a few steps.
     */
    public static Sized sized(Backend b, ModelSpec spec, Shape input, int batch, int runs) {
        int classes = 1000, steps = 3;
        java.util.Random rnd = new java.util.Random(1);
        float[] images = new float[(int) (batch * steps * input.size())];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rnd.nextGaussian();
        }
        int[] labels = rnd.ints(batch * steps, 0, classes).toArray();
        Dataset set = new Dataset("random " + input, images, labels, input, classes, java.util.List.of());
        try (Model net = spec.withClasses(classes).build(input, b, 1L);
             Optimizer opt = new Optimizer(net, Optimizer.Kind.SGD, 0.01f, 0.9f, false, 0f);
             Trainer trainer = new Trainer(net, opt, batch, true, 1L, 1_000_000);
             DeviceDataset dev = new DeviceDataset(b, set)) {
            TrainingListener quiet = new TrainingListener() { };
            trainer.epoch(dev, 1, quiet); // warm-up: kernels built, convolutions measured on first use
            double[] train = new double[runs];
            for (int r = 0; r < runs; r++) {
                b.finish();
                long t0 = System.nanoTime();
                trainer.epoch(dev, r + 2, quiet);
                train[r] = batch * steps / ((System.nanoTime() - t0) / 1e9);
            }
            try (Model folded = io.github.clconv.nn.BatchNormFolding.applies(net) ? io.github.clconv.nn.BatchNormFolding.fold(net) : null) {
                Model inf = folded != null ? folded : net;
                double[] infer = new double[runs];
                Evaluator.evaluate(inf, dev, batch);
                for (int r = 0; r < runs; r++) {
                    infer[r] = Evaluator.evaluate(inf, dev, batch).imagesPerSec();
                }
                float[] one = java.util.Arrays.copyOf(images, (int) input.size());
                int[] d = {1, input.dim(0), input.dim(1), input.dim(2)};
                double[] ms = new double[Math.max(5, 2 * runs)];
                for (int r = -2; r < ms.length; r++) { // two calls of warm-up
                    long t0 = System.nanoTime();
                    try (io.github.clconv.backend.Buf x = b.upload(io.github.clconv.tensor.Shape.of(d), one)) {
                        b.download(inf.forward(x, false));
                    }
                    if (r >= 0) {
                        ms[r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
                Arrays.sort(train);
                Arrays.sort(infer);
                Arrays.sort(ms);
                return new Sized(train[runs / 2], infer[runs / 2], ms[ms.length / 2]);
            }
        }
    }

    public static Result run(Backend b, Dataset trainSet, Dataset test, String spec, int trainImages, int runs) {
        Dataset part = trainSet.limit(trainImages);
        try (Model net = ModelSpec.parse(spec).build(trainSet.sample(), b, 1L);
             Optimizer opt = new Optimizer(net, Optimizer.Kind.SGD, 0.01f, 0.9f, false, 0f);
             Trainer trainer = new Trainer(net, opt, 64, true, 1L, 1_000_000);
             DeviceDataset trainDev = new DeviceDataset(b, part); DeviceDataset testDev = new DeviceDataset(b, test)) {
            TrainingListener quiet = new TrainingListener() { };
            int images = part.size() / 64 * 64;
            trainer.epoch(trainDev, 1, quiet);
            double[] train = new double[runs];
            for (int r = 0; r < runs; r++) {
                b.finish();
                long t0 = System.nanoTime();
                trainer.epoch(trainDev, r + 2, quiet); // ends with a read-back: the device is idle
                train[r] = images / ((System.nanoTime() - t0) / 1e9);
            }
            Evaluator.evaluate(net, testDev, 256);
            double[] infer = new double[runs];
            for (int r = 0; r < runs; r++) {
                infer[r] = Evaluator.evaluate(net, testDev, 256).imagesPerSec();
            }
            Arrays.sort(train);
            Arrays.sort(infer);
            return new Result(train[runs / 2], infer[runs / 2], images, test.size(), net.multiplyAdds());
        }
    }
}
