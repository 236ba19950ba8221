package io.github.clconv.bench;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
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
    public record Result(double trainImagesPerSec, double inferImagesPerSec, int trainImages, int inferImages) {
    }

    private ModelBench() {
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
            return new Result(train[runs / 2], infer[runs / 2], images, test.size());
        }
    }
}
