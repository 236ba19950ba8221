package io.github.clconv.parallel;

import io.github.clconv.data.Dataset;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.train.Optimizer;
import io.github.clconv.train.TrainingListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * ParallelFit from a library user's side, in a JVM of its own (two PoCL devices need POCL_DEVICES before OpenCL
 * starts): args DEVICES (comma-separated) DATA; prints the lead's logged losses, one per line.
 */
public final class LibraryParallelFit {
    private LibraryParallelFit() {
    }

    public static void main(String[] args) throws Exception {
        Dataset train = Dataset.load(Path.of(args[1]))[0];
        List<Double> losses = new ArrayList<>();
        ParallelFit.onDevices(Arrays.asList(args[0].split(",")))
                .model(b -> ModelSpec.parse("lenet").withClasses(train.classes()).build(train.sample(), b, 42))
                .optimizer(Optimizer.Config.sgd(0.01f).withMomentum(0.9f))
                .configure((replica, fit) -> {
                    fit.batch(64).epochs(1).shuffle(false).seed(42).logEvery(5);
                    if (replica.lead()) {
                        fit.listener(new TrainingListener() {
                            @Override
                            public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
                                losses.add(loss);
                            }
                        });
                    }
                })
                .run(train, null, null);
        losses.forEach(l -> System.out.println(String.format(Locale.ROOT, "loss %.9g", l)));
    }
}
