package io.github.clconv.opencl;

import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.ToDoubleFunction;

/**
 * Times candidate GEMM parameters on a device and keeps the fastest, on disk, per device
 * name and driver version (~/.cache/clconv/gemm-DEVICE.properties, or under the
 * directory that -Dclconv.cache or CLCONV_CACHE names). `clconv tune` runs it; every
 * backend opened afterwards on that device uses the result.
 */
public final class GemmTuner {
    private static final Logger log = LoggerFactory.getLogger(GemmTuner.class);
    /** Candidates for gemm: rows per work-item x vector width. */
    static final int[][] BLOCKS = {{4, 16}, {6, 16}, {8, 16}, {10, 16}, {8, 8}, {12, 8}};
    /** Candidates for gemm_nt: rows x columns per work-item x K vector width. */
    static final int[][] NT_BLOCKS = {{4, 4, 8}, {2, 4, 16}, {4, 2, 16}, {2, 2, 16}, {3, 4, 8}};

    public record Timing(String kernel, String params, double gflops) {
    }

    private GemmTuner() {
    }

    public static Path cacheDir() {
        String dir = System.getProperty("clconv.cache", System.getenv("CLCONV_CACHE"));
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "clconv");
    }

    static Path cacheFile(DeviceInfo d) {
        return cacheDir().resolve("gemm-" + d.cacheKey().replace('|', '_') + ".properties");
    }

    /** The tuned parameters of this device, or the defaults when it was never tuned (or the file is unreadable). */
    public static GemmParams load(DeviceInfo d) {
        Path f = cacheFile(d);
        if (!Files.isRegularFile(f)) {
            return GemmParams.DEFAULT;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
            return new GemmParams(Integer.parseInt(p.getProperty("tm")), Integer.parseInt(p.getProperty("vw")),
                    Integer.parseInt(p.getProperty("tr")), Integer.parseInt(p.getProperty("tc")), Integer.parseInt(p.getProperty("vk")));
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring {} ({}); run `clconv tune` to rewrite it", f, e.getMessage());
            return GemmParams.DEFAULT;
        }
    }

    /** Times every candidate on backend's device, saves the winner, returns every timing (best first per kernel). */
    public static List<Timing> tune(ClBackend backend, java.util.function.Consumer<Timing> progress) throws IOException {
        GemmParams d = GemmParams.DEFAULT;
        int[] bestBlock = {d.tm(), d.vw()}, bestNt = {d.tr(), d.tc(), d.vk()};
        double bestBlockRate = 0, bestNtRate = 0;
        List<Timing> all = new java.util.ArrayList<>();
        for (int[] c : BLOCKS) {
            GemmParams p = new GemmParams(c[0], c[1], d.tr(), d.tc(), d.vk());
            // a square product and a convolution's skinny one, weighted equally
            double rate = Math.sqrt(rate(backend, p, 512, 512, 512, false, false) * rate(backend, p, 50, 4096, 500, false, false));
            Timing t = new Timing("gemm", "TM=" + c[0] + " VW=" + c[1], rate);
            all.add(t);
            progress.accept(t);
            if (rate > bestBlockRate) {
                bestBlockRate = rate;
                bestBlock = c;
            }
        }
        for (int[] c : NT_BLOCKS) {
            GemmParams p = new GemmParams(d.tm(), d.vw(), c[0], c[1], c[2]);
            double rate = Math.sqrt(rate(backend, p, 512, 512, 512, false, true) * rate(backend, p, 50, 500, 4096, false, true));
            Timing t = new Timing("gemm_nt", "TR=" + c[0] + " TC=" + c[1] + " VK=" + c[2], rate);
            all.add(t);
            progress.accept(t);
            if (rate > bestNtRate) {
                bestNtRate = rate;
                bestNt = c;
            }
        }
        GemmParams best = new GemmParams(bestBlock[0], bestBlock[1], bestNt[0], bestNt[1], bestNt[2]);
        save(backend.context().device(), best);
        return all;
    }

    private static double rate(ClBackend base, GemmParams p, int m, int n, int k, boolean ta, boolean tb) {
        try (ClBackend b = base.withGemmParams(p);
             Buf a = b.zeros(ta ? Shape.of(k, m) : Shape.of(m, k)); Buf bm = b.zeros(tb ? Shape.of(n, k) : Shape.of(k, n));
             Buf c = b.zeros(Shape.of(m, n))) {
            b.gemm(ta, tb, 1f, a, bm, 0f, c); // builds the program and meets the work-group size once
            double[] t = new double[5];
            for (int r = 0; r < t.length; r++) {
                b.finish();
                long t0 = System.nanoTime();
                for (int i = 0; i < 3; i++) {
                    b.gemm(ta, tb, 1f, a, bm, 0f, c);
                }
                b.finish();
                t[r] = (System.nanoTime() - t0) / 3e9;
            }
            Arrays.sort(t);
            return 2.0 * m * n * k / t[t.length / 2] / 1e9;
        }
    }

    static void save(DeviceInfo d, GemmParams p) throws IOException {
        Path f = cacheFile(d);
        Files.createDirectories(f.getParent());
        Properties props = new Properties();
        props.setProperty("tm", String.valueOf(p.tm()));
        props.setProperty("vw", String.valueOf(p.vw()));
        props.setProperty("tr", String.valueOf(p.tr()));
        props.setProperty("tc", String.valueOf(p.tc()));
        props.setProperty("vk", String.valueOf(p.vk()));
        Path tmp = Files.createTempFile(f.getParent(), ".gemm", ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp)) {
                props.store(w, "clconv tune: GEMM parameters for " + d.describe());
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
