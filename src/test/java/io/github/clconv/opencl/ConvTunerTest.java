package io.github.clconv.opencl;

import io.github.clconv.TemporaryCache;
import io.github.clconv.TestDevices;
import io.github.clconv.opencl.ConvTuner.Algo;
import io.github.clconv.tensor.ConvGeom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TemporaryCache.class)
class ConvTunerTest {
    private static final ConvGeom G = new ConvGeom(16, 5, 9, 11, 7, 3, 3, 1, 1);
    private static final List<Algo> ALL = List.of(Algo.IM2COL, Algo.WINOGRAD2, Algo.WINOGRAD4, Algo.DIRECT);

    @Test
    void thePilotDropsOnlyFarSlowerCandidatesAndNeverTheReference() {
        assertEquals(List.of(Algo.IM2COL, Algo.WINOGRAD2, Algo.WINOGRAD4),
                ConvTuner.pilotSurvivors(G, 2, ALL, new double[]{10, 1, 0.5, 2.01}));
        assertEquals(ALL, ConvTuner.pilotSurvivors(G, 2, ALL, new double[]{1, 1, 0.5, 2.0}), "exactly PILOT_DROP times slower stays");
        assertEquals(List.of(Algo.IM2COL, Algo.DIRECT), ConvTuner.pilotSurvivors(G, 2, List.of(Algo.IM2COL, Algo.DIRECT), new double[]{50, 1}));
    }

    @Test
    void theFastestAgreeingCandidateWinsAndIsKeptForTheNextBackend() {
        ClContext cl = TestDevices.cl().context();
        Map<Algo, Double> times = new EnumMap<>(Algo.class);
        times.put(Algo.IM2COL, 3e-3);
        times.put(Algo.WINOGRAD2, 2e-3);
        times.put(Algo.DIRECT, 2.5e-3); // winograd4 is absent: it disagreed with im2col
        Algo chosen = new ConvTuner(cl, null).choose(G, (g, candidates) -> {
            assertEquals(ALL, candidates, "every algorithm applies to a 3x3 stride-1 layer");
            return times;
        });
        assertEquals(Algo.WINOGRAD2, chosen);
        assertTrue(Files.isRegularFile(ConvTuner.cache(cl.device()).file()));
        Algo again = new ConvTuner(cl, null).choose(G, (g, candidates) -> {
            throw new AssertionError("a kept choice is not measured again");
        });
        assertEquals(Algo.WINOGRAD2, again);
    }

    @Test
    void aDisagreeingOrDroppedCandidateNeverWins() {
        Algo chosen = new ConvTuner(TestDevices.cl().context(), null).choose(G, (g, candidates) -> Map.of(Algo.IM2COL, 1.0));
        assertEquals(Algo.IM2COL, chosen);
        ConvGeom other = new ConvGeom(16, 6, 9, 11, 7, 3, 3, 1, 1);
        Algo notDropped = new ConvTuner(TestDevices.cl().context(), null)
                .choose(other, (g, candidates) -> Map.of(Algo.IM2COL, 1.0, Algo.DIRECT, Double.POSITIVE_INFINITY, Algo.WINOGRAD4, 0.9));
        assertEquals(Algo.WINOGRAD4, notDropped, "one the pilot dropped has infinite time");
    }

    /** The real measurement, pilot included (batch 16 is at least 8), picks an algorithm that applies and keeps it. */
    @Test
    void theDeviceMeasurementChoosesAndKeeps() {
        try (ClBackend b = new ClBackend(TestDevices.cl().context().device())) {
            String algo = b.convAlgoFor(G);
            assertTrue(List.of("im2col", "winograd2", "winograd4", "direct").contains(algo), algo);
            assertEquals(algo, new ConvTuner(b.context(), null).choices().get(ConvTuner.key(G)).label(), "the choice is in the cache file");
        }
    }
}
