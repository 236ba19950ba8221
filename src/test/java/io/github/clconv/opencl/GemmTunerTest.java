package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmTunerTest {
    @TempDir
    Path dir;

    @BeforeEach
    void useATemporaryCache() {
        System.setProperty("clconv.cache", dir.toString());
    }

    @AfterEach
    void restore() {
        System.clearProperty("clconv.cache");
    }

    @Test
    void savedParametersAreWhatTheNextBackendUses() throws IOException {
        DeviceInfo d = TestDevices.cl().context().device();
        assertEquals(GemmParams.DEFAULT, GemmTuner.load(d), "untuned: the defaults");
        GemmParams p = new GemmParams(4, 8, 2, 4, 16);
        GemmTuner.save(d, p);
        assertEquals(p, GemmTuner.load(d));
        try (ClBackend b = new ClBackend(d)) {
            assertEquals(p, b.gemmParams());
        }
        Files.writeString(GemmTuner.cacheFile(d), "tm=banana\n");
        assertEquals(GemmParams.DEFAULT, GemmTuner.load(d), "an unreadable file falls back to the defaults");
    }

    /** Whatever the tuner picks must be correct: every candidate runs the gemm and conv agreement checks. */
    @Test
    void everyCandidateComputesCorrectProducts() {
        ClBackend base = TestDevices.cl();
        ReferenceBackend ref = new ReferenceBackend();
        OpFamily gemm = OpCatalog.all().stream().filter(f -> f.name().equals("gemm")).findFirst().orElseThrow();
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        int checked = 0;
        for (int[] c : GemmTuner.BLOCKS) {
            for (int[] nt : new int[][]{GemmTuner.NT_BLOCKS[checked % GemmTuner.NT_BLOCKS.length]}) {
                GemmParams p = new GemmParams(c[0], c[1], nt[0], nt[1], nt[2]);
                try (ClBackend b = base.withGemmParams(p)) {
                    for (int i = 0; i < 8; i++) {
                        for (OpFamily f : new OpFamily[]{gemm, conv}) {
                            for (CheckResult r : f.run(new Pair(b, ref), 77L, i)) {
                                assertTrue(r.ok(), p + ": " + r.row() + "\n" + r.mismatches());
                            }
                        }
                    }
                }
                checked++;
            }
        }
        for (int[] nt : GemmTuner.NT_BLOCKS) {
            try (ClBackend b = base.withGemmParams(new GemmParams(8, 16, nt[0], nt[1], nt[2]))) {
                for (int i = 0; i < 8; i++) {
                    for (CheckResult r : gemm.run(new Pair(b, ref), 78L, i)) {
                        assertTrue(r.ok(), java.util.Arrays.toString(nt) + ": " + r.row() + "\n" + r.mismatches());
                    }
                }
            }
        }
        assertEquals(GemmTuner.BLOCKS.length, checked);
    }
}
