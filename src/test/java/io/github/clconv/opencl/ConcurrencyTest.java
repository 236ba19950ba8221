package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backends from several threads at once, a backend that another thread touches, and JVMs that exit with work queued. */
class ConcurrencyTest {
    @Test
    void threadsThatEachOpenABackendAllGetCorrectResults() throws Exception {
        OpFamily gemm = OpCatalog.all().stream().filter(f -> f.name().equals("gemm")).findFirst().orElseThrow();
        String device = System.getProperty("clconv.test.device", "auto");
        int expected = ClDevices.list().size();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = 100L * round + t;
                    results.add(pool.submit(() -> {
                        assertEquals(expected, ClDevices.list().size(), "every thread sees every device");
                        int ok = 0;
                        try (ClBackend b = ClBackend.open(device); ReferenceBackend ref = new ReferenceBackend()) {
                            for (int i = 0; i < 4; i++) {
                                for (CheckResult r : gemm.run(new Pair(b, ref), seed, i)) {
                                    assertTrue(r.ok(), "seed " + seed + ": " + r.row());
                                    ok++;
                                }
                            }
                        }
                        return ok;
                    }));
                }
                for (Future<Integer> f : results) {
                    assertEquals(4, f.get(120, TimeUnit.SECONDS));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBackendUsedFromASecondThreadSaysSo() throws Exception {
        ClBackend b = TestDevices.cl();
        Throwable[] seen = new Throwable[1];
        Thread other = new Thread(() -> seen[0] = assertThrows(IllegalStateException.class,
                () -> b.zeros(io.github.clconv.tensor.Shape.of(3))), "intruder");
        other.start();
        other.join();
        assertTrue(seen[0].getMessage().contains("open one per thread"), seen[0].getMessage());
        b.zeros(io.github.clconv.tensor.Shape.of(3)).close(); // its owner still may
    }

    /** A JVM ending with a backend open and kernels queued crashed inside PoCL in 2 of 8 runs: 12 runs must all exit 0. */
    @Test
    void aJvmThatExitsWithWorkQueuedDoesNotCrash() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        String cache = System.getProperty("clconv.cache", System.getProperty("java.io.tmpdir"));
        for (int run = 0; run < 12; run++) {
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Dclconv.cache=" + cache,
                    ExitWithWorkQueued.class.getName(), System.getProperty("clconv.test.device", "auto"))
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "run " + run + " ended");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "run " + run + ":\n" + out);
            assertTrue(out.contains("queued") && !out.contains("SIGSEGV"), out);
        }
    }
}
