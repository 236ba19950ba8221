package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Sequential;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingTest {
    static final long SEED = 5L;
    @TempDir
    Path dir;

    Dataset[] data(int train, int test) throws IOException {
        return Dataset.load(SyntheticData.folder(dir, train, test, 12, true, SEED));
    }

    @Test
    void aSmallModelLearnsTheSyntheticTask() throws IOException {
        Dataset[] sets = data(2000, 500);
        Backend b = TestDevices.cl();
        int live = b.liveBuffers();
        try (Sequential m = Sequential.of(ModelSpec.parse("conv(8,3)-relu-maxpool(2)-flatten-linear(10)"), sets[0].sample(), b, SEED);
             Optimizer opt = new Optimizer(m, Optimizer.Kind.SGD, 0.05f, 0.9f, false, 0f);
             Trainer t = new Trainer(m, opt, 32, true, SEED, 10);
             DeviceDataset train = new DeviceDataset(b, sets[0]); DeviceDataset test = new DeviceDataset(b, sets[1])) {
            Evaluation before = Evaluator.evaluate(m, test, 128);
            double loss1 = t.epoch(train, 1, new TrainingListener() { });
            double loss2 = t.epoch(train, 2, new TrainingListener() { });
            Evaluation after = Evaluator.evaluate(m, test, 128);
            System.out.printf("synthetic task (seed %d): accuracy %.3f -> %.3f, train loss %.3f -> %.3f%n", SEED, before.accuracy(), after.accuracy(), loss1, loss2);
            assertTrue(before.accuracy() < 0.3, "untrained accuracy is near chance: " + before.accuracy());
            assertTrue(after.accuracy() > 0.95, "trained accuracy: " + after.accuracy());
            assertTrue(loss2 < loss1, "loss falls: " + loss1 + " -> " + loss2);
            assertEquals(2 * (2000 / 32), t.steps());
        }
        assertEquals(live, b.liveBuffers(), "every buffer released");
    }

    /**
     * The same model, seed and batches trained on the device and on the reference for 50
     * steps: float32 against float64 rounding, compounded through 50 updates, stays far
     * below 1e-3 relative on this task (about 1e-5 observed), plus 1e-6 absolute: once a
     * batch is classified almost surely, its loss log(1 + e) is resolved by float32 only
     * to about 1e-7. Batch norm and dropout are in the model, so their statistics and
     * masks are compared too.
     */
    @Test
    void deviceAndReferenceTrainingAgreeAtEveryStep() throws IOException {
        Dataset[] sets = data(50 * 16, 16);
        String spec = "conv(4,3)-bn-relu-maxpool(2)-flatten-dropout(0.2)-linear(10)";
        double[][] losses = new double[2][];
        Backend[] backends = {TestDevices.cl(), new ReferenceBackend()};
        for (int i = 0; i < 2; i++) {
            Backend b = backends[i];
            try (Sequential m = Sequential.of(ModelSpec.parse(spec), sets[0].sample(), b, SEED);
                 Optimizer opt = new Optimizer(m, Optimizer.Kind.SGD, 0.05f, 0.9f, false, 1e-4f);
                 Trainer t = new Trainer(m, opt, 16, false, SEED, 50);
                 DeviceDataset train = new DeviceDataset(b, sets[0])) {
                t.epoch(train, 1, new TrainingListener() { });
                losses[i] = t.lastEpochLosses();
            }
        }
        assertEquals(50, losses[0].length);
        for (int s = 0; s < 50; s++) {
            assertTrue(Math.abs(losses[0][s] - losses[1][s]) <= 1e-3 * Math.abs(losses[1][s]) + 1e-6, "step " + (s + 1) + ": device " + losses[0][s] + " reference " + losses[1][s]);
        }
        assertTrue(losses[1][49] < losses[1][0] * 0.7, "the run learns: " + losses[1][0] + " -> " + losses[1][49]);
    }

    @Test
    void repeatedEvaluationsAllocateNothingNew() throws IOException {
        Dataset[] sets = data(64, 300); // 300 test images: a full batch of 256 and a tail of 44
        Backend b = TestDevices.cl();
        try (Sequential m = Sequential.of(ModelSpec.parse("flatten-linear(10)"), sets[0].sample(), b, SEED);
             DeviceDataset test = new DeviceDataset(b, sets[1])) {
            Evaluator.evaluate(m, test, 256);
            int live = b.liveBuffers();
            for (int i = 0; i < 3; i++) {
                Evaluator.evaluate(m, test, 256);
                assertEquals(live, b.liveBuffers(), "evaluation " + (i + 2) + " leaves the live-buffer count flat");
            }
        }
    }

    @Test
    void foldedBatchNormGivesTheSameOutputs() {
        Backend b = TestDevices.cl();
        try (Sequential m = Sequential.of(ModelSpec.parse("conv(6,3,p=1)-bn-relu-conv(5,3)-bn-maxpool(2)-flatten-linear(8)-bn-relu-linear(10)"), Shape.of(2, 9, 9), b, SEED);
             Buf x = b.upload(Shape.of(4, 2, 9, 9), random(4 * 2 * 81))) {
            for (int i = 0; i < 3; i++) { // non-trivial running statistics
                m.forward(x, true);
            }
            float[] plain = b.download(m.forward(x, false));
            assertTrue(BatchNormFolding.applies(m));
            try (io.github.clconv.nn.Model folded = BatchNormFolding.fold(m)) {
                assertEquals("conv(6,3,p=1)-relu-conv(5,3)-maxpool(2)-flatten-linear(8)-relu-linear(10)", folded.spec(), "the linear layer's norm folded too");
                float[] f = b.download(folded.forward(x, false));
                double max = 0, err = 0;
                for (int i = 0; i < f.length; i++) {
                    max = Math.max(max, Math.abs(plain[i]));
                    err = Math.max(err, Math.abs(plain[i] - f[i]));
                }
                assertTrue(err <= 1e-5 * max, "folded differs by " + err + " (max |y| " + max + ")");
            }
        }
    }

    /** A step allocates nothing: after the first, the live-buffer count is the same at every step and epoch. */
    @Test
    void trainingStepsAllocateNothingAfterTheFirst() throws IOException {
        Dataset[] sets = data(320, 16);
        Backend b = TestDevices.cl();
        try (Sequential m = Sequential.of(ModelSpec.parse("conv(4,3)-bn-relu-maxpool(2)-flatten-dropout(0.2)-linear(10)"), sets[0].sample(), b, SEED);
             Optimizer opt = new Optimizer(m, Optimizer.Kind.ADAM, 0.01f, 0f, false, 0f);
             Trainer t = new Trainer(m, opt, 32, true, SEED, 1);
             DeviceDataset train = new DeviceDataset(b, sets[0])) {
            java.util.List<Integer> counts = new java.util.ArrayList<>();
            TrainingListener record = new TrainingListener() {
                @Override
                public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
                    counts.add(b.liveBuffers());
                }
            };
            t.epoch(train, 1, record);
            t.epoch(train, 2, record);
            assertEquals(20, counts.size());
            for (int i = 1; i < counts.size(); i++) {
                assertEquals(counts.get(0), counts.get(i), "live buffers at step " + (i + 1) + ": " + counts);
            }
        }
    }

    @Test
    void aDivergingRunStopsWithTheStepAndAHint() throws IOException {
        Dataset[] sets = data(640, 16);
        Backend b = TestDevices.cl();
        try (Sequential m = Sequential.of(ModelSpec.parse("flatten-linear(32)-relu-linear(10)"), sets[0].sample(), b, SEED);
             Optimizer opt = new Optimizer(m, Optimizer.Kind.SGD, 1e8f, 0.9f, false, 0f);
             Trainer t = new Trainer(m, opt, 32, true, SEED, 5);
             DeviceDataset train = new DeviceDataset(b, sets[0])) {
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t.epoch(train, 1, new TrainingListener() { }));
            assertTrue(e.getMessage().matches(".*at step \\d+ \\(epoch 1\\).*e.g. 1.0E7.*"), e.getMessage());
        }
    }

    static float[] random(int n) {
        java.util.Random r = new java.util.Random(SEED);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
