package io.github.clconv.opencl;

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
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tuners' files on disk (GEMM plans, data-movement and convolution choices), one
 * Properties file per device, driver and kind. A cache is advice: whatever a file holds
 * (a malformed escape, a plan this device cannot launch, megabytes of junk), it is ignored
 * with one warning naming the file, and the choice is measured again.
 */
public final class TuningCache {
    private static final Logger log = LoggerFactory.getLogger(TuningCache.class);
    /** No tuner writes more than a few kilobytes; a larger file is not read. */
    static final long MAX_BYTES = 1 << 20;
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();

    private TuningCache() {
    }

    /** -Dclconv.cache, else $CLCONV_CACHE, else ~/.cache/clconv; an empty setting counts as none (it wrote into the working folder). */
    public static Path dir() {
        String dir = System.getProperty("clconv.cache");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("CLCONV_CACHE");
        }
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "clconv");
    }

    /** The file's entries, or empty when there is none or it cannot be used (warned once per file). */
    static Optional<Properties> read(Path f) {
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
            return Optional.of(p);
        } catch (IOException | RuntimeException e) { // Properties.load throws IllegalArgumentException on a malformed \\uxxxx
            ignore(f, e.getMessage());
            return Optional.empty();
        }
    }

    /** Says once that f is ignored and why. */
    static void ignore(Path f, String why) {
        if (WARNED.add(f.toAbsolutePath())) {
            log.warn("ignoring the tuning cache {} ({}); measuring again", f, why);
        }
    }

    static void write(Path f, Properties props, String comment) throws IOException {
        AtomicFiles.write(f, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            props.store(w, comment);
            w.flush();
        });
    }
}
