package io.github.clconv.opencl;

import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * Chooses the convolution algorithm per layer shape by measurement: im2col + GEMM, or
 * Winograd F(2x2, 3x3) where it applies. The first time a shape (channels, size, filters,
 * padding) comes, both run a training step's work (forward and input gradient) on random
 * data; Winograd must first agree with im2col within TOLERANCE, else it cannot win. The
 * choice is kept per device and driver in conv-DEVICE.properties beside the GEMM plan.
 */
final class ConvTuner {
    private static final Logger log = LoggerFactory.getLogger(ConvTuner.class);
    /**
     * Winograd against im2col, max |a - b| / max |b|: the F(2x2, 3x3) transforms add three
     * stages of at most four-term sums with coefficients of magnitude <= 1 around the same
     * C*9-term products, so a few times im2col's float32 error (about 1e-6 relative per
     * 1,000 terms here); 1e-4 is far above that and far below any wrong index.
     */
    static final double TOLERANCE = 1e-4;

    enum Algo { IM2COL, WINOGRAD2 }

    private final ClContext cl;
    private final Map<String, Algo> choices = new HashMap<>();
    private final Map<ConvGeom, Algo> byGeom = new HashMap<>(); // every call of a training step asks: no key strings then
    private final Algo forced; // null: measure

    ConvTuner(ClContext cl, Algo forced) {
        this.cl = cl;
        this.forced = forced;
        load();
    }

    static Algo parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> null;
            case "im2col" -> Algo.IM2COL;
            case "winograd2", "winograd" -> Algo.WINOGRAD2;
            default -> throw new IllegalArgumentException("convolution algorithm '" + s + "': expected auto, im2col or winograd2");
        };
    }

    static String key(ConvGeom g) {
        return g.c() + "x" + g.h() + "x" + g.w() + "-k" + g.k() + "-p" + g.pad();
    }

    /** The algorithm for g: forced, cached, or measured now with measure (which runs both and reports seconds, or null if they disagree). */
    Algo choose(ConvGeom g, Measure measure) {
        if (!ClWinograd.applies(g)) {
            return Algo.IM2COL;
        }
        if (forced != null) {
            return forced;
        }
        Algo known = byGeom.get(g);
        if (known != null) {
            return known;
        }
        Algo a = choices.get(key(g));
        if (a != null) {
            byGeom.put(g, a);
        }
        if (a != null) {
            return a;
        }
        double[] t = measure.run(g);
        a = t != null && t[1] < t[0] ? Algo.WINOGRAD2 : Algo.IM2COL;
        if (t == null) {
            log.warn("{}: Winograd disagrees with im2col beyond {} for {}; keeping im2col", cl.device().describe(), TOLERANCE, g);
        } else {
            log.info("convolution {}: im2col {} ms, winograd2 {} ms (forward + input gradient): {}", key(g), String.format("%.2f", t[0] * 1e3),
                    String.format("%.2f", t[1] * 1e3), a.name().toLowerCase());
        }
        choices.put(key(g), a);
        byGeom.put(g, a);
        save();
        return a;
    }

    @FunctionalInterface
    interface Measure {
        /** {im2col seconds, winograd seconds}, or null when their results disagree. */
        double[] run(ConvGeom g);
    }

    static float[] random(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    static double relativeDifference(float[] a, float[] b) {
        double d = 0, s = 1e-6;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            s = Math.max(s, Math.abs(b[i]));
        }
        return d / s;
    }

    Map<String, Algo> choices() {
        return Map.copyOf(choices);
    }

    static Path cacheFile(DeviceInfo d) {
        return GemmTuner.cacheDir().resolve("conv-" + d.cacheKey().replace('|', '_') + ".properties");
    }

    private void load() {
        Path f = cacheFile(cl.device());
        if (!Files.isRegularFile(f)) {
            return;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
            for (String k : p.stringPropertyNames()) {
                try {
                    choices.put(k, Algo.valueOf(p.getProperty(k).trim().toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    log.warn("ignoring {} = {} in {}", k, p.getProperty(k), f);
                }
            }
        } catch (IOException e) {
            log.warn("ignoring {} ({})", f, e.getMessage());
        }
    }

    private void save() {
        Properties props = new Properties();
        choices.forEach((k, v) -> props.setProperty(k, v.name().toLowerCase(java.util.Locale.ROOT)));
        try {
            AtomicFiles.write(cacheFile(cl.device()), out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                props.store(w, "clconv convolution algorithm per layer shape for " + cl.device().describe());
                w.flush();
            });
        } catch (IOException e) {
            log.warn("cannot keep the convolution choices in {} ({}); they will be measured again", GemmTuner.cacheDir(), e.getMessage());
        }
    }
}
