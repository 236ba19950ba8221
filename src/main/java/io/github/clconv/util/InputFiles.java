package io.github.clconv.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every file clconv reads is checked for before it is opened: opening a FIFO for reading
 * blocks until a writer comes (predict --load FIFO hung), and a folder or a device is never
 * what a checkpoint, an image or an IDX file is.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /** Fails with what is wrong and what to do unless f is a regular file this process can read. */
    public static void checkReadable(Path f) throws IOException {
        if (!Files.exists(f)) {
            throw new IOException(f + ": no such file" + (Files.isSymbolicLink(f) ? " (a symbolic link that leads nowhere)" : ""));
        }
        if (Files.isDirectory(f)) {
            throw new IOException(f + ": is a folder; pass a file");
        }
        if (!Files.isRegularFile(f)) {
            throw new IOException(f + ": not a regular file (a pipe, device or socket); pass a file");
        }
        if (!Files.isReadable(f)) {
            throw new IOException(f + ": permission denied; make it readable or pass another file");
        }
    }
}
