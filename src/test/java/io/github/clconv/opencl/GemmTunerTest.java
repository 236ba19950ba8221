package io.github.clconv.opencl;

import io.github.clconv.TemporaryCache;
import io.github.clconv.TestDevices;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tuning.TuningCache;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(TemporaryCache.class)
class GemmTunerTest {
    @Test
    void aSavedPlanIsWhatTheNextBackendUses() throws IOException {
        DeviceInfo d = TestDevices.cl().context().device();
        assertEquals(Optional.empty(), GemmTuner.load(d), "untuned: no plan");
        GemmPlan p = GemmPlan.uniform(GemmVariant.parse("tiled TSM=16 TSN=16 TSK=16 WM=2 WN=2 LOCAL=1"), "tuned")
                .with("nt.small", GemmVariant.parse("nt TR=2 TC=4 VK=16 WG=0"))
                .with("tn.large", GemmVariant.parse("blocked TM=4 VW=16 WG=0"));
        GemmTuner.save(d, p);
        assertEquals(Optional.of(p), GemmTuner.load(d));
        try (ClBackend b = new ClBackend(d)) {
            assertEquals(p, b.gemmPlan());
        }
    }

    @Test
    void anOldOrBrokenPlanIsReplacedByAProbe() throws IOException {
        DeviceInfo d = TestDevices.cl().context().device();
        System.out.println("GemmTunerTest: the warnings 'ignoring the tuning cache' that follow are expected: this test breaks the caches");
        for (String bad : new String[]{"tm=8\nvw=16\n", "nn.small=tiled TSM=banana\n", "nn.small=nt TR=4 TC=4 VK=8 WG=1\n"}) {
            Files.writeString(GemmTuner.cache(d).file(), bad);
            assertEquals(Optional.empty(), GemmTuner.load(d), bad);
            try (ClBackend b = new ClBackend(d)) {
                assertEquals("probe", b.gemmPlan().source(), bad);
            }
            Optional<GemmPlan> saved = GemmTuner.load(d);
            assertTrue(saved.isPresent(), "the probe's plan is kept");
            assertEquals("probe", saved.get().source());
            for (String c : List.of("nt.vec", "nt.small", "nt.large", "nt.long")) { // measured among gemm_nt's shapes, never the gathering blocked kernel
                GemmVariant v = saved.get().variant(c);
                assertTrue(v.kind() != GemmVariant.Kind.BLOCKED && (v.kind() != GemmVariant.Kind.NT || GemmTuner.candidates(c, d).contains(v)), c + ": " + v);
            }
        }
    }

    /** A cache is advice: a malformed escape, or a plan wider than the device's work-groups, is ignored and the GEMMs still run right. */
    @Test
    void aMalformedEscapeOrAPlanTooWideForTheDeviceIsIgnored() throws IOException {
        DeviceInfo d = TestDevices.cl().context().device();
        System.out.println("GemmTunerTest: the warnings 'ignoring the tuning cache' that follow are expected: this test breaks the caches");
        long wide = 2 * d.maxWorkGroupSize(); // TSM/WM x TSN/WN work-items: wide x 1
        StringBuilder tooWide = new StringBuilder();
        for (String c : GemmPlan.CLASSES) {
            tooWide.append(c).append("=tiled TSM=").append(wide).append(" TSN=1 TSK=1 WM=1 WN=1 LOCAL=0\n");
        }
        for (String bad : new String[]{"nn.small=blocked TM=8 VW=16 WG=1 \\uZZZZ\n", tooWide.toString()}) {
            // valid headers, bad entries: each tuner's own rules must refuse them
            writeWithHeader(GemmTuner.cache(d), bad);
            writeWithHeader(MovementTuner.cache(d), "im2col=row\\u12\n");
            writeWithHeader(ConvRouter.cache(d), "\\uXYZW=direct\n");
            assertEquals(Optional.empty(), GemmTuner.load(d), bad);
            try (ClBackend b = new ClBackend(d)) {
                assertEquals("probe", b.gemmPlan().source(), bad);
                io.github.clconv.tensor.Shape s = io.github.clconv.tensor.Shape.of(37, 41);
                float[] x = new float[s.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (i % 13) / 13f;
                }
                try (io.github.clconv.backend.Buf a = b.upload(s, x); io.github.clconv.backend.Buf c = b.zeros(io.github.clconv.tensor.Shape.of(37, 37))) {
                    b.gemm(false, true, 1f, a, a, 0f, c);
                    float[] got = b.download(c);
                    double want = 0;
                    for (int k = 0; k < 41; k++) {
                        want += (double) x[5 * 41 + k] * x[7 * 41 + k];
                    }
                    assertEquals(want, got[5 * 37 + 7], 1e-4 * Math.abs(want), bad);
                }
            }
        }
    }

    private static void writeWithHeader(TuningCache cache, String entries) throws IOException {
        cache.write(new java.util.Properties());
        Files.writeString(cache.file(), entries, java.nio.file.StandardOpenOption.APPEND);
    }

    /** CLCONV_CACHE= (empty) wrote cache files into the working folder: an empty setting is no setting. */
    @Test
    void anEmptyCacheSettingMeansTheDefaultFolder() {
        System.setProperty("clconv.cache", " ");
        Path dir = TuningCache.dir();
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "clconv"), dir);
    }

    @Test
    void specsRoundTripAndBadOnesSayWhy() {
        for (GemmVariant v : GemmTuner.candidates("nt.large", TestDevices.cl().context().device())) {
            assertEquals(v, GemmVariant.parse(v.toString()));
        }
        assertThrows(IllegalArgumentException.class, () -> GemmVariant.parse("tiled TSM=30 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1"));
        assertThrows(IllegalArgumentException.class, () -> GemmVariant.parse("blocked TM=8 VW=16"));
        // specs cached before VN existed read as VN=1 and are written as they were
        assertEquals("blocked TM=8 VW=16 WG=1", GemmVariant.parse("blocked TM=8 VW=16 WG=1").toString());
        assertEquals(GemmVariant.parse("blocked TM=8 VW=16 VN=1 WG=1"), GemmVariant.parse("blocked TM=8 VW=16 WG=1"));
        assertEquals("blocked TM=6 VW=16 VN=2 WG=1", GemmVariant.BLOCKED_WIDE.toString());
        assertThrows(IllegalArgumentException.class, () -> GemmVariant.parse("blocked TM=6 VW=16 VN=5 WG=1"));
        assertThrows(IllegalArgumentException.class, () -> GemmVariant.parse("winograd"));
        assertThrows(IllegalArgumentException.class,
                () -> GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "x").with("nn.large", GemmVariant.NT_DEFAULT));
    }

    /** Whatever the tuner picks must be correct: every candidate runs the gemm agreement checks on every transpose. */
    @Test
    void everyCandidateComputesCorrectProducts() {
        ClBackend base = TestDevices.cl();
        DeviceInfo d = base.context().device();
        ReferenceBackend ref = new ReferenceBackend();
        OpFamily gemm = OpCatalog.all().stream().filter(f -> f.name().equals("gemm")).findFirst().orElseThrow();
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        Set<GemmVariant> all = new LinkedHashSet<>();
        for (String c : GemmPlan.CLASSES) {
            all.addAll(GemmTuner.candidates(c, d));
        }
        assertTrue(all.stream().anyMatch(v -> v.kind() == GemmVariant.Kind.TILED), "the tiled kernel is a candidate on " + d.describe());
        int checked = 0;
        for (GemmVariant v : all) {
            GemmPlan plan = v.kind() == GemmVariant.Kind.NT
                    ? GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "test").with("nt.small", v).with("nt.large", v)
                    : GemmPlan.uniform(v, "test");
            try (ClBackend b = base.withGemmPlan(plan)) {
                for (int i = 0; i < 10; i++) {
                    for (CheckResult r : gemm.run(new Pair(b, ref), 77L + checked, i)) {
                        assertTrue(r.ok(), v + ": " + r.row() + "\n" + r.mismatches());
                    }
                }
                if (checked % 4 == 0) {
                    for (CheckResult r : conv.run(new Pair(b, ref), 78L, checked)) {
                        assertTrue(r.ok(), v + ": " + r.row() + "\n" + r.mismatches());
                    }
                }
            }
            checked++;
        }
        System.out.println("gemm candidates checked on " + d.describe() + ": " + checked);
        assertFalse(all.isEmpty());
    }
}
