package io.github.clconv.tuning;

import io.github.clconv.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One tuner's choices for one device and driver, as a Properties file named
 * KIND-KERNELS-DEVICE.properties in dir(). Besides the tuner's entries the file holds a header
 * (clconv.format, clconv.device, clconv.kernels) that must match on load: a file from another
 * format, copied from another device or written before the kernels changed is not used. A
 * cache is advice: whatever a file holds (a malformed escape, megabytes of junk, a choice the
 * tuner rejects through ignore), it is ignored with one warning naming the file, and the
 * choice is measured again.
 */
public final class TuningCache {
    private static final Logger log = LoggerFactory.getLogger(TuningCache.class);
    /** No tuner writes more than a few kilobytes; a larger file is not read. */
    static final long MAX_BYTES = 1 << 20;
    static final String FORMAT = "1";
    private static final String PREFIX = "clconv.";
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private final String kind, device, description, kernels;

    private TuningCache(String kind, String device, String description, String kernels) {
        this.kind = kind;
        this.device = device;
        this.description = description;
        this.kernels = kernels;
    }

    /**
     * kind: the tuner's name (gemm, movement, convalgo); device: the device's name and driver
     * version; description: for the file's comment; kernels: hash(...) of the sources its
     * candidates run.
     */
    public static TuningCache of(String kind, String device, String description, String kernels) {
        return new TuningCache(kind, device, description, kernels);
    }

    /** -Dclconv.cache, else $CLCONV_CACHE, else ~/.cache/clconv; an empty setting counts as none (it wrote into the working folder). */
    public static Path dir() {
        String dir = System.getProperty("clconv.cache");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("CLCONV_CACHE");
        }
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "clconv");
    }

    /** A short hash of the named kernel sources (as source reads them), for of(). */
    public static String hash(java.util.function.Function<String, String> source, String... files) {
        int h = 1;
        for (String f : files) {
            h = 31 * h + source.apply(f).hashCode();
        }
        return String.format(Locale.ROOT, "%08x", h);
    }

    public Path file() {
        return dir().resolve(kind + "-" + kernels + "-" + device.replaceAll("[^A-Za-z0-9._-]", "_") + ".properties");
    }

    /** The tuner's entries (the header left out), or empty when there is no file or it cannot be used (warned once per file). */
    public Optional<Properties> read() {
        Path f = file();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            if (!Files.isRegularFile(f)) {
                throw new IOException("not a regular file");
            }
            if (Files.size(f) > MAX_BYTES) {
                throw new IOException(Files.size(f) + " bytes, more than a tuning cache holds");
            }
            Properties p = new Properties();
            try (Reader r = new StringReader(Files.readString(f, StandardCharsets.UTF_8))) {
                p.load(r);
            }
            expect(p, "format", FORMAT);
            expect(p, "device", device);
            expect(p, "kernels", kernels);
            p.stringPropertyNames().stream().filter(k -> k.startsWith(PREFIX)).forEach(p::remove);
            return Optional.of(p);
        } catch (IOException | RuntimeException e) { // Properties.load throws IllegalArgumentException on a malformed \\uxxxx
            ignore(e.getMessage());
            return Optional.empty();
        }
    }

    private static void expect(Properties p, String key, String want) throws IOException {
        String got = p.getProperty(PREFIX + key);
        if (!want.equals(got)) {
            throw new IOException(PREFIX + key + " is " + (got == null ? "missing" : "'" + got + "'") + ", not '" + want + "'");
        }
    }

    /** Says once that the file is ignored and why (a tuner calls it for an entry it cannot use). */
    public void ignore(String why) {
        if (WARNED.add(file().toAbsolutePath())) {
            log.warn("ignoring the tuning cache {} ({}); measuring again", file(), why);
        }
    }

    /** Replaces the file (atomically) by the header and entries; a failure is warned about and the choice is measured again next time. */
    public void write(Properties entries) {
        Properties props = new Properties();
        props.putAll(entries);
        props.setProperty(PREFIX + "format", FORMAT);
        props.setProperty(PREFIX + "device", device);
        props.setProperty(PREFIX + "kernels", kernels);
        try {
            AtomicFiles.write(file(), out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                props.store(w, "clconv " + kind + " choices for " + description);
                w.flush();
            });
        } catch (IOException e) {
            log.warn("cannot keep the {} choices in {} ({}); they will be measured again", kind, dir(), e.getMessage());
        }
    }

    /** Deletes the file; whether there was one. */
    public boolean delete() throws IOException {
        return Files.deleteIfExists(file());
    }
}
