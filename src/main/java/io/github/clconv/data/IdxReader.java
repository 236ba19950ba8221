package io.github.clconv.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads MNIST-format IDX files, gzipped or raw (detected from the first bytes).
 *
 *   magic: 0x00 0x00 type rank   (type 0x08 = unsigned byte; rank 1 for labels, 3 for images)
 *   rank big-endian int32 dimensions, then the data, one byte per value
 *
 * Every problem (missing file, bad magic, dimensions that do not match the length, a
 * label out of range) is an IOException naming the file and what is wrong with it.
 */
public final class IdxReader {
    private static final long MAX_VALUES = 1L << 31;

    private IdxReader() {
    }

    /** Images as floats scaled to [0, 1]; dims receives {count, rows, cols}. */
    public static float[] images(Path file, int[] dims) throws IOException {
        byte[] raw = read(file, 3, dims, new int[1]);
        float[] out = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            out[i] = (raw[i] & 0xFF) / 255f;
        }
        return out;
    }

    /**
     * Labels, each checked to lie in [0, classes): unsigned bytes (type 0x08), or big-endian
     * 16- or 32-bit integers (0x0B, 0x0C) for sets of more than 256 classes.
     */
    public static int[] labels(Path file, int classes) throws IOException {
        int[] dims = new int[1], width = new int[1];
        byte[] raw = read(file, 1, dims, width);
        int[] out = new int[dims[0]];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(raw); // big-endian, as IDX is
        for (int i = 0; i < out.length; i++) {
            out[i] = width[0] == 1 ? raw[i] & 0xFF : width[0] == 2 ? bb.getShort(2 * i) : bb.getInt(4 * i);
            if (out[i] < 0 || out[i] >= classes) {
                throw new IOException(file + ": label " + out[i] + " at index " + i + " is out of range [0, " + classes + "); the file is corrupt or not a " + classes + "-class label file");
            }
        }
        return out;
    }

    /** width receives the bytes per value: 1 (type 0x08), and for labels 2 (0x0B) or 4 (0x0C). */
    private static byte[] read(Path file, int rank, int[] dims, int[] width) throws IOException {
        try (InputStream in = open(file); DataInputStream data = new DataInputStream(in)) {
            boolean gzip = in instanceof GZIPInputStream;
            int magic;
            try {
                magic = data.readInt();
            } catch (EOFException e) {
                throw new IOException(file + ": file is empty or truncated before its header");
            }
            int expected = 0x0800 | rank, type = magic >>> 8;
            width[0] = type == 0x08 ? 1 : rank == 1 && type == 0x0B ? 2 : rank == 1 && type == 0x0C ? 4 : 0;
            if ((magic & 0xFFFF00FF) != rank || width[0] == 0) {
                throw new IOException(String.format(java.util.Locale.ROOT, "%s: bad magic number 0x%08X, expected 0x%08X (an IDX %s file)", file, magic, expected,
                        rank == 1 ? "label" : "image"));
            }
            long total = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    dims[i] = data.readInt();
                } catch (EOFException e) {
                    throw new IOException(file + ": truncated inside the header");
                }
                if (dims[i] < 1) {
                    throw new IOException(file + ": dimension " + i + " is " + dims[i] + ", must be >= 1");
                }
                total *= dims[i];
                if (total >= MAX_VALUES) {
                    throw new IOException(file + ": the header claims more than 2^31 values; the file is corrupt");
                }
            }
            long bytes = total * width[0];
            if (bytes >= MAX_VALUES) {
                throw new IOException(file + ": the header claims more than 2^31 bytes of values; the file is corrupt");
            }
            long present = (Files.size(file) - 4L * (rank + 1)) / width[0];
            if (!gzip && present < total) {
                throw new IOException(file + ": truncated: the header promises " + total + " values, the file holds " + present);
            }
            // readNBytes grows its buffer as data arrives: a gzip header's claim costs no more memory than the data behind it
            byte[] out = data.readNBytes((int) bytes);
            if (out.length < bytes) {
                throw new IOException(file + ": truncated: the header promises " + total + " values, the file holds " + out.length / width[0]);
            }
            if (data.read() >= 0) {
                throw new IOException(file + ": longer than its header says (" + total + " values); the file is corrupt");
            }
            if (gzip && gzipSize(file) != (int) (4L * (rank + 1) + bytes)) {
                // java.util.zip skips whatever follows the gzip stream; its last field, the size, shows it
                throw new IOException(file + ": bytes follow the end of the gzip data (or it is several gzip files joined); "
                        + "the file is corrupt: download it again");
            }
            return out;
        } catch (ZipException e) {
            throw new IOException(file + ": corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IOException(file + ": truncated gzip stream");
        }
    }

    /** The last field of a gzip file: the uncompressed size mod 2^32, little-endian. */
    private static int gzipSize(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, Math.max(0, ch.size() - 4));
            return b.flip().remaining() == 4 ? b.getInt() : -1;
        }
    }

    private static InputStream open(Path file) throws IOException {
        io.github.clconv.util.InputFiles.checkReadable(file);
        InputStream in;
        try {
            in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(file + ": permission denied; make it readable (chmod) or copy the data somewhere you can read");
        }
        in.mark(2);
        int b0 = in.read(), b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }
}
