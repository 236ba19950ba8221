package io.github.clconv;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code @ExtendWith(TemporaryCache.class)}: each test runs with -Dclconv.cache set to a new empty folder, so the
 * tuners' files it reads and writes are its own; afterwards the folder is deleted and the property restored.
 */
public final class TemporaryCache implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TemporaryCache.class);

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        Path dir = Files.createTempDirectory("clconv-cache");
        ExtensionContext.Store store = context.getStore(NS);
        store.put("dir", dir);
        String before = System.getProperty("clconv.cache");
        if (before != null) {
            store.put("before", before);
        }
        System.setProperty("clconv.cache", dir.toString());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        ExtensionContext.Store store = context.getStore(NS);
        String before = store.get("before", String.class);
        if (before == null) {
            System.clearProperty("clconv.cache");
        } else {
            System.setProperty("clconv.cache", before);
        }
        try (Stream<Path> files = Files.walk(store.get("dir", Path.class))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
