package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.NamedParam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A set over the data budget is streamed in chunks, and trains and evaluates to the same bits as a resident one. */
class StreamingTest {
    static final long SEED = 44L;
    @TempDir
    Path dir;

    @Test
    void streamedTrainingIsBitIdenticalToResident() throws Exception {
        Dataset[] sets = Dataset.load(SyntheticData.folder(dir, 700, 300, 12, false, SEED));
        Backend b = TestDevices.cl();
        int live = b.liveBuffers();
        // 100 images per chunk: batches of 32 straddle chunk ends, and the last chunk is short
        long budget = 100L * 4 * (sets[0].sample().size() + 1);
        List<float[]> resident = train(b, sets, Long.MAX_VALUE, true), streamed = train(b, sets, budget, false);
        for (int i = 0; i < resident.size(); i++) {
            assertArrayEquals(resident.get(i), streamed.get(i), "tensor " + i + " (seed " + SEED + ")");
        }
        assertEquals(live, b.liveBuffers(), "every buffer released");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DeviceDataset(b, sets[0], 100));
        assertTrue(e.getMessage().contains("--data-budget"), e.getMessage());
    }

    /** Every tensor after 2 epochs (shuffled, with augmentation), then the test loss and accuracy as the last entry. */
    private static List<float[]> train(Backend b, Dataset[] sets, long budget, boolean wantResident) {
        try (Model m = ModelSpec.parse("conv(6,3)-bn-relu-maxpool(2)-flatten-linear(10)").build(sets[0].sample(), b, SEED);
             Optimizer opt = new Optimizer(m, Optimizer.Kind.ADAM, 0.01f, 0f, false, 0f);
             Trainer t = new Trainer(m, opt, 32, true, SEED, 10);
             DeviceDataset train = new DeviceDataset(b, sets[0], budget); DeviceDataset test = new DeviceDataset(b, sets[1], budget)) {
            assertEquals(wantResident, train.resident());
            if (!wantResident) {
                assertEquals(100, train.chunkImages());
                assertFalse(test.resident());
            }
            t.augment(Augmentation.parse("hflip,crop:2"), SEED);
            t.epoch(train, 1, new TrainingListener() { });
            t.epoch(train, 2, new TrainingListener() { });
            Evaluation e = Evaluator.evaluate(m, test, 64);
            List<float[]> out = new java.util.ArrayList<>(m.params().stream().map(NamedParam::param).map(p -> b.download(p.value())).toList());
            out.add(new float[]{(float) e.loss(), (float) e.accuracy()});
            return out;
        }
    }
}
