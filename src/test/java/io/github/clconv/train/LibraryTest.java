package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library past the happy path (issue 25, item 4): training control, summaries, validated data, training accuracy. */
class LibraryTest {
    private static final long SEED = 31L;
    private static final String SMALL = "conv(6,3)-relu-maxpool(2)-flatten-linear(10)";
    @TempDir
    Path dir;

    private Dataset[] data() throws IOException {
        return Dataset.load(SyntheticData.folder(dir, 256, 64, 12, false, SEED));
    }

    /** With a learning rate of 1e-30 (below every weight's ulp) the model stays as it was, so the epoch's training accuracy is the evaluated accuracy on those images. */
    @Test
    void trainingAccuracyCountsWhatTheModelPredicted() throws IOException {
        Dataset[] sets = data();
        Backend b = TestDevices.cl();
        try (Model m = ModelSpec.parse(SMALL).build(sets[0].sample(), b, SEED)) {
            List<double[]> steps = new ArrayList<>();
            List<TrainingListener.EpochResult> h;
            try (Fit f2 = Fit.builder(m, Optimizer.Config.sgd(1e-30f)).batch(32).epochs(1).logEvery(3).listener(new TrainingListener() {
                @Override
                public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
                    steps.add(new double[]{stepInEpoch, accuracy});
                }
            }).build()) {
                h = f2.run(sets[0], sets[1]);
            }
            double acc = h.get(0).trainAccuracy();
            try (DeviceDataset d = DeviceDataset.open(b, sets[0], null)) {
                assertEquals(Evaluator.evaluate(m, d, 64).accuracy(), acc, 1e-12);
            }
            assertEquals(3, steps.size(), "8 steps read back at 3, 6 and 8");
            double weighted = steps.get(0)[1] * 3 + steps.get(1)[1] * 3 + steps.get(2)[1] * 2;
            assertEquals(acc, weighted / 8, 1e-12);
        }
    }

    @Test
    void earlyStoppingEndsTheRunAfterPatienceEpochsWithoutProgress() throws IOException {
        Dataset[] sets = data();
        Path best = dir.resolve("best.safetensors"), each = dir.resolve("each.safetensors");
        try (Model m = ModelSpec.parse(SMALL).build(sets[0].sample(), TestDevices.cl(), SEED);
             Fit fit = Fit.builder(m, Optimizer.Config.sgd(1e-30f)).batch(32).epochs(10).saveEachEpoch(each, List.of(), null)
                     .listener(Callbacks.earlyStopping("test_loss", 2, 0)).listener(Callbacks.keepBest("test_accuracy", best))
                     .listener(Callbacks.reduceOnPlateau("test_loss", 0.5f, 1)).build()) {
            List<TrainingListener.EpochResult> h = fit.run(sets[0], sets[1]);
            assertEquals(3, h.size(), "the loss never moves at lr 1e-30: epoch 1 sets it, epochs 2 and 3 fail to beat it");
            assertTrue(Files.exists(best), "epoch 1 was the best so far");
            assertEquals(3, Integer.parseInt(Checkpoint.read(dir.resolve("each.state.safetensors")).metadata().get(TrainingState.EPOCH)),
                    "the epoch that stopped the run was saved");
        }
        assertThrows(IllegalArgumentException.class, () -> Callbacks.earlyStopping("val_los", 2, 0), "a typo in the metric fails at once");
    }

    @Test
    void aPlateauHalvesTheLearningRate() {
        Optimizer.Config c = Optimizer.Config.sgd(0.2f);
        try (Model m = ModelSpec.parse("flatten-linear(3)").build(Shape.of(1, 2, 2), TestDevices.cl(), SEED); Optimizer o = new Optimizer(m, c)) {
            o.scaleBaseLearningRate(0.5f);
            assertEquals(0.1f, o.baseLearningRate(), 1e-7);
            assertEquals(0.1f, o.learningRate(), 1e-7);
        }
    }

    @Test
    void summaryListsEveryLayerAndTheTotal() {
        try (Model m = ModelSpec.parse(SMALL).build(Shape.of(1, 12, 12), TestDevices.cl(), SEED)) {
            String s = m.summary();
            System.out.println(s);
            assertTrue(s.contains("conv(6,3)") && s.contains("[6,10,10]") && s.contains("linear(10)"), s);
            assertTrue(s.endsWith("total " + String.format(java.util.Locale.ROOT, "%,d", m.parameterCount()) + " parameters"), s);
            assertEquals(6 * 9 + 6 + 150 * 10 + 10, m.parameterCount());
            assertTrue(m.toString().contains(m.parameterCount() + " parameters") && m.toString().contains("[1,12,12]"), m.toString());
        }
        try (Model g = ModelSpec.parse("conv(4,3,p=1)-res[conv(4,3,p=1)-relu]-gap-linear(2)").build(Shape.of(1, 6, 6), TestDevices.cl(), SEED)) {
            String s = g.summary();
            assertTrue(s.contains("add(") && s.contains("gap"), s);
            assertTrue(s.endsWith("total " + g.parameterCount() + " parameters"), s);
        }
    }

    @Test
    void aDatasetIsCheckedWhenMadeNamingTheArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("mine", new float[99 * 28 * 28 - 784], new int[99], Shape.of(1, 28, 28), 10, List.of()));
        assertTrue(e.getMessage().contains("images holds 76832 values") && e.getMessage().contains("labels has 99"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dataset("mine", new float[4], new int[]{0, 1, 2, 10}, Shape.of(1), 10, List.of()));
        assertTrue(e.getMessage().contains("labels[3] is 10"), e.getMessage());
    }

    /** Only Fashion-MNIST's own folder is labelled with its names; another 10-class set has none. */
    @Test
    void aTenClassSetWithoutNamesHasNone() throws IOException {
        assertTrue(data()[0].classNames().isEmpty());
        assertFalse(Dataset.FASHION_MNIST_CLASSES.isEmpty());
    }

    /** L1 moves every convolution and linear weight by lr * lambda * sign(w) (here with a zero loss gradient) and leaves biases alone. */
    @Test
    void l1ShrinksWeightsAndNotBiases() {
        Backend b = TestDevices.cl();
        try (Model m = ModelSpec.parse("conv(2,3)-bn-flatten-linear(3)").build(Shape.of(1, 5, 5), b, SEED);
             Optimizer o = new Optimizer(m, Optimizer.Config.sgd(0.1f).withL1(0.01f))) {
            java.util.Map<String, float[]> before = new java.util.LinkedHashMap<>();
            for (io.github.clconv.nn.NamedParam p : m.params()) {
                before.put(p.name(), b.download(p.param().value()));
                if (p.param().trainable()) {
                    b.write(p.param().grad(), new float[p.param().grad().shape().size()]);
                }
            }
            o.step();
            int weights = 0;
            for (io.github.clconv.nn.NamedParam p : m.params()) {
                float[] was = before.get(p.name()), now = b.download(p.param().value());
                boolean l1 = p.name().equals("0.weight") || p.name().equals("3.weight");
                weights += l1 ? 1 : 0;
                for (int k = 0; k < was.length; k++) {
                    float want = l1 ? was[k] - 0.1f * 0.01f * Math.signum(was[k]) : was[k];
                    assertEquals(want, now[k], 1e-7, p.name() + "[" + k + "]");
                }
            }
            assertEquals(2, weights, "the conv and linear weights are named 0.weight and 3.weight: " + before.keySet());
            assertTrue(o.describe().contains("l1=0.01"), o.describe());
        }
    }
}
