package io.github.clconv.opencl;

import io.github.clconv.TemporaryCache;
import io.github.clconv.TestDevices;
import io.github.clconv.tensor.ConvGeom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TemporaryCache.class)
class ConvTunerTest {
    private static final ConvGeom G = new ConvGeom(16, 5, 9, 11, 7, 3, 3, 1, 1);
    private static final List<String> ALL = List.of("im2col", "winograd2", "winograd4", "direct");

    private static ConvTuner tuner(ClContext cl) {
        return new ConvTuner(ConvRouter.cache(cl.device()), ALL);
    }

    /** The names --conv-algo takes come from the registry, im2col (the reference) first. */
    @Test
    void theRegistryNamesTheAlgorithms() {
        assertEquals(List.of("auto", "im2col", "winograd2", "winograd4", "winograd4-chunked", "direct", "direct2", "direct-narrow", "direct2-narrow", "lanes", "valid", "strided", "strided-narrow",
                "depthwise"), ClBackend.convAlgorithms());
        assertEquals(ConvTuner.REFERENCE, ConvRouter.ALGORITHMS.get(0).name());
    }

    /** A choice measured on a batch does not decide batch-1 inference (Winograd at 64, direct at 1 for resnet20's layers). */
    @Test
    void aBatchOfOneIsChosenApartFromLargerBatches() {
        ConvGeom one = new ConvGeom(1, 5, 9, 11, 7, 3, 3, 1, 1), two = new ConvGeom(2, 5, 9, 11, 7, 3, 3, 1, 1);
        assertNotEquals(ConvTuner.key(G), ConvTuner.key(one));
        assertEquals(ConvTuner.key(G), ConvTuner.key(two));
        assertEquals("5x9x11-k7-3x3-s1-p1", ConvTuner.key(G), "keys cached before batch-1 choices existed still match");
    }

    /** A forward whose output a residual add follows is timed with the add and chosen apart from a forward alone. */
    @Test
    void aForwardFollowedByAnAddIsChosenApart() {
        ConvGeom one = G.withBatch(1);
        assertEquals("5x9x11-k7-3x3-s1-p1-f", ConvTuner.key(G, ConvTuner.Pass.FORWARD));
        assertEquals("5x9x11-k7-3x3-s1-p1-fr", ConvTuner.key(G, ConvTuner.Pass.RESIDUAL));
        assertEquals("5x9x11-k7-3x3-s1-p1-n1f", ConvTuner.key(one, ConvTuner.Pass.FORWARD));
        assertEquals("5x9x11-k7-3x3-s1-p1-n1fr", ConvTuner.key(one, ConvTuner.Pass.RESIDUAL));
        assertEquals("5x9x11-k7-3x3-s1-p1-fp", ConvTuner.key(G, ConvTuner.Pass.POOL));
        assertEquals("5x9x11-k7-3x3-s1-p1-n1fp", ConvTuner.key(one, ConvTuner.Pass.POOL));
        ConvTuner t = tuner(TestDevices.cl().context());
        String residual = t.choose(G, ConvTuner.Pass.RESIDUAL, ALL, (g, candidates, pass) -> {
            assertEquals(ConvTuner.Pass.RESIDUAL, pass, "timed with the add");
            return Map.of("im2col", 3.0, "winograd2", 1.0, "direct", 2.0);
        });
        String alone = t.choose(G, ConvTuner.Pass.FORWARD, ALL, (g, candidates, pass) -> {
            assertEquals(ConvTuner.Pass.FORWARD, pass);
            return Map.of("im2col", 3.0, "winograd2", 2.0, "direct", 1.0);
        });
        assertEquals("winograd2", residual);
        assertEquals("direct", alone, "the residual's choice does not decide a forward alone");
        assertEquals("winograd2", t.choose(G, ConvTuner.Pass.RESIDUAL, ALL, (g, candidates, pass) -> {
            throw new AssertionError("a kept choice is not measured again");
        }));
    }

    /** On the device: a stride-2 shortcut with its add is measured as such, the choice kept under its key, its result right. */
    @Test
    void theDeviceMeasuresAForwardWithItsAdd() {
        ConvGeom g = new ConvGeom(8, 6, 10, 9, 10, 1, 1, 2, 0);
        float[] xs = ConvTuner.random(g.input().size(), 5), ws = ConvTuner.random(g.weight().size(), 6), rs = ConvTuner.random(g.output().size(), 7);
        try (ClBackend b = new ClBackend(TestDevices.cl().context().device());
             io.github.clconv.backend.Buf x = b.upload(g.input(), xs); io.github.clconv.backend.Buf w = b.upload(g.weight(), ws);
             io.github.clconv.backend.Buf r = b.upload(g.output(), rs); io.github.clconv.backend.Buf y = b.zeros(g.output());
             io.github.clconv.backend.Buf alone = b.zeros(g.output())) {
            b.conv2dForwardResidual(x, w, null, g, r, null, y);
            b.conv2dForward(x, w, null, g, alone);
            float[] got = b.download(y), conv = b.download(alone);
            for (int i = 0; i < got.length; i++) {
                assertEquals(conv[i] + rs[i], got[i], 1e-4f, "element " + i);
            }
            ConvTuner registered = new ConvTuner(ConvRouter.cache(b.context().device()), ConvRouter.ALGORITHMS.stream().map(ConvRouter.Registration::name).toList());
            String kept = registered.choices().get(ConvTuner.key(g, ConvTuner.Pass.RESIDUAL));
            assertTrue(kept != null && List.of("im2col", "strided", "strided-narrow").contains(kept), "the choice with the add is kept: " + registered.choices());
        }
    }

    /**
     * On the device: a forward with a 2x2 max pool after it is measured as such (fused where the algorithm pools as it
     * stores, a pool pass after it elsewhere), the choice kept under its key, the pooled result that of the forward
     * pooled apart.
     */
    @Test
    void theDeviceMeasuresAForwardWithItsPool() {
        ConvGeom g = new ConvGeom(6, 5, 12, 11, 7, 3, 3, 1, 1);
        float[] xs = ConvTuner.random(g.input().size(), 8), ws = ConvTuner.random(g.weight().size(), 9);
        io.github.clconv.tensor.Shape half = io.github.clconv.tensor.Shape.of(g.n(), g.k(), g.oh() / 2, g.ow() / 2);
        try (ClBackend b = new ClBackend(TestDevices.cl().context().device());
             io.github.clconv.backend.Buf x = b.upload(g.input(), xs); io.github.clconv.backend.Buf w = b.upload(g.weight(), ws);
             io.github.clconv.backend.Buf pooled = b.zeros(half); io.github.clconv.backend.Buf y = b.zeros(g.output());
             io.github.clconv.backend.Buf apart = b.zeros(half); io.github.clconv.backend.Buf argmax = b.zeros(half)) {
            if (!b.conv2dForwardMaxPool(x, w, null, g, io.github.clconv.backend.Activation.RELU, pooled)) {
                b.conv2dForward(x, w, null, g, io.github.clconv.backend.Activation.RELU, y);
                b.maxPoolForward(y, new io.github.clconv.tensor.PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0), pooled, argmax);
            }
            b.conv2dForward(x, w, null, g, io.github.clconv.backend.Activation.RELU, y);
            b.maxPoolForward(y, new io.github.clconv.tensor.PoolGeom(g.n(), g.k(), g.oh(), g.ow(), 2, 2, 0), apart, argmax);
            float[] got = b.download(pooled), want = b.download(apart);
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 1e-4f * Math.max(1, Math.abs(want[i])), "element " + i);
            }
            ConvTuner registered = new ConvTuner(ConvRouter.cache(b.context().device()), ConvRouter.ALGORITHMS.stream().map(ConvRouter.Registration::name).toList());
            String kept = registered.choices().get(ConvTuner.key(g, ConvTuner.Pass.POOL));
            assertTrue(kept != null && ConvRouter.ALGORITHMS.stream().anyMatch(r -> r.name().equals(kept)), "the choice with the pool is kept: " + registered.choices());
        }
    }

    @Test
    void thePilotDropsOnlyFarSlowerCandidatesAndNeverTheReference() {
        assertEquals(List.of("im2col", "winograd2", "winograd4"),
                ConvTuner.pilotSurvivors(G, 2, ALL, new double[]{10, 1, 0.5, 2.01}));
        assertEquals(ALL, ConvTuner.pilotSurvivors(G, 2, ALL, new double[]{1, 1, 0.5, 2.0}), "exactly PILOT_DROP times slower stays");
        assertEquals(List.of("im2col", "direct"), ConvTuner.pilotSurvivors(G, 2, List.of("im2col", "direct"), new double[]{50, 1}));
    }

    @Test
    void thePilotTimesAgainOnlyThoseItWouldDropByLittle() {
        assertEquals(List.of(1, 3), ConvTuner.pilotRetimes(new double[]{1, 4.01, 0.9 * 4, 16}), "over PILOT_DROP, up to PILOT_RETIME times the fastest");
        assertEquals(List.of(), ConvTuner.pilotRetimes(new double[]{1, 4, 16.01, 98}), "at PILOT_DROP it stays; far slower ones are not run again");
    }

    @Test
    void theFastestAgreeingCandidateWinsAndIsKeptForTheNextBackend() {
        ClContext cl = TestDevices.cl().context();
        Map<String, Double> times = new HashMap<>();
        times.put("im2col", 3e-3);
        times.put("winograd2", 2e-3);
        times.put("direct", 2.5e-3); // winograd4 is absent: it disagreed with im2col
        String chosen = tuner(cl).choose(G, ALL, (g, candidates, forwardOnly) -> {
            assertEquals(ALL, candidates, "every algorithm applies to a 3x3 stride-1 layer");
            return times;
        });
        assertEquals("winograd2", chosen);
        assertTrue(Files.isRegularFile(ConvRouter.cache(cl.device()).file()));
        String again = tuner(cl).choose(G, ALL, (g, candidates, forwardOnly) -> {
            throw new AssertionError("a kept choice is not measured again");
        });
        assertEquals("winograd2", again);
    }

    @Test
    void aDisagreeingOrDroppedCandidateNeverWins() {
        String chosen = tuner(TestDevices.cl().context()).choose(G, ALL, (g, candidates, forwardOnly) -> Map.of("im2col", 1.0));
        assertEquals("im2col", chosen);
        ConvGeom other = new ConvGeom(16, 6, 9, 11, 7, 3, 3, 1, 1);
        String notDropped = tuner(TestDevices.cl().context())
                .choose(other, ALL, (g, candidates, forwardOnly) -> Map.of("im2col", 1.0, "direct", Double.POSITIVE_INFINITY, "winograd4", 0.9));
        assertEquals("winograd4", notDropped, "one the pilot dropped has infinite time");
    }

    /** The real measurement, pilot included (batch 16 is at least 8), picks an algorithm that applies and keeps it. */
    @Test
    void theDeviceMeasurementChoosesAndKeeps() {
        try (ClBackend b = new ClBackend(TestDevices.cl().context().device())) {
            String algo = b.convAlgoFor(G);
            assertTrue(List.of("im2col", "winograd2", "winograd4", "direct", "direct2", "direct-narrow", "direct2-narrow").contains(algo), algo);
            ConvTuner registered = new ConvTuner(ConvRouter.cache(b.context().device()), ConvRouter.ALGORITHMS.stream().map(ConvRouter.Registration::name).toList());
            assertEquals(algo, registered.choices().get(ConvTuner.key(G)), "the choice is in the cache file");
        }
    }
}
