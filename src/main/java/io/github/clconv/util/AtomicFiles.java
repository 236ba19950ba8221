package io.github.clconv.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that a reader sees the old contents or the new, never half of it: into
 * a temporary file beside the target, then renamed over it. A symlink is written through
 * (its target is replaced, the link stays); a target that exists but is not a regular file
 * (a device, a folder) is refused; a new file gets the umask's permissions and an existing
 * one keeps its own. Temporary files still open when the JVM is stopped (SIGINT, SIGTERM)
 * are deleted by the shutdown hook, after the work that writes them has ended (see Shutdown).
 */
public final class AtomicFiles {
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Shutdown.onExit(Shutdown.Stage.FILES, () -> PENDING.forEach(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // the JVM is stopping; nothing better to do
            }
        }));
    }

    /** What writes the contents. */
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Replaces target's contents with what body writes. */
    public static void write(Path target, Body body) throws IOException {
        Path real = resolve(target);
        Path dir = parent(real);
        createDirectories(target, dir);
        Path tmp = dir.resolve("." + real.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        PENDING.add(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                if (Files.exists(real)) {
                    keepPermissions(real, tmp);
                }
                OutputStream out = Channels.newOutputStream(ch);
                body.write(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            throw explain(target, e);
        } catch (IOException e) {
            throw new IOException(target + ": cannot write: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
            PENDING.remove(tmp);
        }
    }

    /** Fails now, with the reason, where write(target, ...) would fail later for its path. */
    public static void checkWritable(Path target) throws IOException {
        checkWritable(target, false);
    }

    /** special: a device or pipe is a fine target too (a stream such as --metrics, written in place). */
    public static void checkWritable(Path target, boolean special) throws IOException {
        if (special && Files.exists(target) && !Files.isRegularFile(target)) {
            if (!Files.isWritable(target) || Files.isDirectory(target)) {
                throw new IOException(target + ": cannot write there (a folder, or permission denied)");
            }
            return;
        }
        Path real = resolve(target);
        Path dir = parent(real);
        createDirectories(target, dir);
        if (!Files.isWritable(dir)) {
            throw new IOException(target + ": permission denied for the folder " + dir + "; choose a folder you can write to");
        }
        // permission bits do not tell all (root, read-only mounts, /proc): create the file write() would create
        Path probe = dir.resolve("." + real.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".probe.tmp");
        PENDING.add(probe);
        try {
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            String why = e instanceof AccessDeniedException ? "permission denied" : e instanceof NoSuchFileException ? "it takes no new files"
                    : e instanceof FileSystemException fe && fe.getReason() != null ? fe.getReason() : String.valueOf(e.getMessage());
            throw new IOException(target + ": cannot create a file in " + dir + " (" + why + "); choose a folder you can write to");
        } finally {
            Files.deleteIfExists(probe);
            PENDING.remove(probe);
        }
        if (Files.exists(real) && !Files.isWritable(real)) {
            throw new IOException(target + ": the file exists and is not writable (permission denied); choose another path");
        }
    }

    /** What a path names once symlinks and relative parts are resolved, to tell whether two paths are one file. */
    public static Path identity(Path p) throws IOException {
        Path abs = p.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(abs) && hops <= 40; hops++) { // a dangling link names its target, which a write creates
            abs = abs.getParent().resolve(Files.readSymbolicLink(abs));
        }
        abs = abs.normalize();
        if (Files.exists(abs)) {
            return abs.toRealPath();
        }
        Path parent = abs.getParent();
        return parent != null && Files.exists(parent) ? parent.toRealPath().resolve(abs.getFileName()) : abs;
    }

    /** The file a path names: a symlink's target (even a dangling one), refused when it is not a regular file. */
    static Path resolve(Path target) throws IOException {
        Path p = target.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops > 40) {
                throw new IOException(target + ": too many levels of symbolic links");
            }
            p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            String what = Files.isDirectory(p) ? "a folder" : "not a regular file (a device, pipe or socket)";
            throw new IOException(target + (p.equals(target.toAbsolutePath()) ? "" : " (-> " + p + ")") + " is " + what
                    + "; clconv writes regular files only, choose a file path");
        }
        return p;
    }

    private static Path parent(Path real) {
        Path dir = real.getParent();
        return dir != null ? dir : real.getFileSystem().getPath(".").toAbsolutePath();
    }

    private static void createDirectories(Path target, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileSystemException e) {
            throw explain(target, e);
        }
    }

    private static void keepPermissions(Path from, Path to) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(from);
            Files.setPosixFilePermissions(to, perms);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not POSIX, or not ours: the new file keeps the umask's permissions
        }
    }

    private static IOException explain(Path target, FileSystemException e) {
        String why;
        if (e instanceof AccessDeniedException) {
            why = "permission denied" + (e.getFile() != null && !e.getFile().equals(target.toString()) ? " (" + e.getFile() + ")" : "")
                    + "; choose a folder you can write to";
        } else if (e instanceof java.nio.file.FileAlreadyExistsException) {
            why = e.getFile() + " is a file, not a folder";
        } else if (e instanceof NoSuchFileException) {
            why = "no such folder: " + e.getFile();
        } else {
            why = (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName()) + (e.getFile() != null ? " (" + e.getFile() + ")" : "");
        }
        return new IOException(target + ": cannot write: " + why, e);
    }
}
