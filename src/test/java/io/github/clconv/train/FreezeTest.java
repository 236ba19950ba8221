package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.NamedParam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fit.Builder.freeze: frozen tensors (running statistics of frozen batch norms included) come
 * out of training bit for bit as they went in, everything else trains, and the loss falls; on a
 * graph (resnet20) and a chain (lenet-bn).
 */
class FreezeTest {
    @TempDir
    Path dir;

    private static Map<String, float[]> snapshot(Model m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (NamedParam p : m.params()) {
            out.put(p.name(), m.backend().download(p.param().value()));
        }
        return out;
    }

    /** Trains spec on synthetic 12x12 data with freeze; returns {names unchanged, names changed}. */
    private List<List<String>> train(String spec, List<String> freeze, double[] losses) throws Exception {
        Dataset[] data = Dataset.load(SyntheticData.folder(java.nio.file.Files.createDirectories(dir.resolve(spec.replaceAll("\\W", "") + freeze.hashCode())), 256, 64, 12, false, 3L));
        Backend b = TestDevices.cl();
        try (Model m = ModelSpec.parse(spec).withClasses(10).build(data[0].sample(), b, 11L)) {
            Map<String, float[]> before = snapshot(m);
            List<TrainingListener.EpochResult> h;
            try (Fit fit = Fit.builder(m, Optimizer.Config.adamw(1e-3f).withWeightDecay(1e-2f)).batch(32).epochs(3).freeze(freeze).build()) {
                h = fit.run(data[0], data[1]);
            }
            losses[0] = h.get(0).trainLoss();
            losses[1] = h.get(h.size() - 1).trainLoss();
            Map<String, float[]> after = snapshot(m);
            List<String> same = new java.util.ArrayList<>(), changed = new java.util.ArrayList<>();
            before.forEach((k, v) -> (Arrays.equals(v, after.get(k)) ? same : changed).add(k));
            return List.of(same, changed);
        }
    }

    @Test
    void aFrozenBackboneComesOutBitForBitAndTheHeadTrains() throws Exception {
        double[] loss = new double[2];
        List<List<String>> r = train("resnet20", List.of("backbone"), loss);
        assertEquals(List.of("fc.weight", "fc.bias"), r.get(1), "only the classifier changes");
        assertTrue(r.get(0).contains("layer3.2.bn2.running_var") && r.get(0).contains("conv1.weight"), r.get(0).toString());
        assertTrue(loss[1] < loss[0], "the loss falls: " + Arrays.toString(loss));
    }

    @Test
    void prefixesFreezeTheStartOfAGraphAndOfAChain() throws Exception {
        double[] loss = new double[2];
        List<List<String>> r = train("resnet20", List.of("conv1", "bn1", "layer1"), loss);
        assertTrue(r.get(0).containsAll(List.of("conv1.weight", "bn1.running_mean", "layer1.2.conv2.weight", "layer1.0.bn1.running_var")), r.get(0).toString());
        assertTrue(r.get(1).containsAll(List.of("layer2.0.conv1.weight", "layer3.2.bn2.running_mean", "fc.weight")), r.get(1).toString());
        assertTrue(r.get(1).stream().noneMatch(n -> n.startsWith("layer1.") || n.startsWith("conv1") || n.startsWith("bn1")), r.get(1).toString());
        r = train("lenet-bn", List.of("0", "1"), loss); // the first conv and its batch norm
        assertTrue(r.get(0).containsAll(List.of("0.weight", "1.weight", "1.running_mean")), r.get(0).toString());
        assertTrue(r.get(1).contains("3.weight") && r.get(1).contains("4.running_var"), r.get(1).toString());
        assertTrue(loss[1] < loss[0], "the loss falls: " + Arrays.toString(loss));
    }

    /**
     * A frozen layer between trainable ones: backward passes through it (the first convolution
     * trains) but computes no gradient for its tensors, whose gradient buffers stay zero; the
     * trainable ones' do not. On the device and on the reference.
     */
    @Test
    void aFrozenLayerAfterTrainableOnesComputesNoWeightGradient() throws Exception {
        Dataset[] data = Dataset.load(SyntheticData.folder(java.nio.file.Files.createDirectories(dir.resolve("middle")), 128, 32, 12, false, 5L));
        for (Backend b : new Backend[]{TestDevices.cl(), new io.github.clconv.backend.ReferenceBackend()}) {
            try (Model m = ModelSpec.parse("conv(4,3)-relu-conv(6,3)-relu-flatten-linear(8)-relu-linear(10)").build(data[0].sample(), b, 13L)) {
                Map<String, float[]> before = snapshot(m);
                try (Fit fit = Fit.builder(m, Optimizer.Config.sgd(0.05f).withMomentum(0.9f)).batch(32).epochs(1).freeze(List.of("2", "5")).build()) {
                    fit.run(data[0], data[1]);
                }
                Map<String, float[]> after = snapshot(m);
                for (NamedParam p : m.params()) {
                    float[] grad = b.download(p.param().grad());
                    boolean frozen = p.name().startsWith("2.") || p.name().startsWith("5."), zero = true;
                    for (float v : grad) {
                        zero &= v == 0f;
                    }
                    assertEquals(frozen, zero, p.name() + " on " + b + ": " + (frozen ? "a gradient was computed for a frozen tensor" : "no gradient reached it"));
                    assertEquals(frozen, Arrays.equals(before.get(p.name()), after.get(p.name())), p.name() + " on " + b);
                }
            }
        }
    }

    @Test
    void whatCannotBeFrozenIsSaidInOneLine() throws Exception {
        Dataset[] data = Dataset.load(SyntheticData.folder(java.nio.file.Files.createDirectories(dir.resolve("bad")), 64, 32, 12, false, 3L));
        try (Model m = ModelSpec.parse("resnet20").withClasses(10).build(data[0].sample(), TestDevices.cl(), 1L)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Fit.builder(m, Optimizer.Config.sgd(0.01f)).freeze(List.of("layer2")).build());
            assertTrue(e.getMessage().contains("batch norm layer2.0.bn1") && e.getMessage().contains("before it train"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Fit.builder(m, Optimizer.Config.sgd(0.01f)).freeze(List.of("layer9")).build());
            assertTrue(e.getMessage().contains("layer9") && e.getMessage().contains("conv1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Fit.builder(m, Optimizer.Config.sgd(0.01f)).freeze(List.of("backbone", "fc")).build());
            assertTrue(e.getMessage().contains("every trainable tensor"), e.getMessage());
            assertFalse(m.frozen().contains("fc.weight"));
        }
    }
}
