package io.github.clconv.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small, learnable image task written as MNIST-format IDX files: class c is a bright
 * 3x3 square at one of 10 fixed places, on noise. Tests train and read these instead of
 * the real data.
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    public static byte[] images(int n, int rows, int cols, int[] labels, Random rnd) {
        byte[] px = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < rows * cols; p++) {
                px[i * rows * cols + p] = (byte) rnd.nextInt(60);
            }
            int c = labels[i], y0 = 1 + (c / 5) * (rows / 2 - 1), x0 = 1 + (c % 5) * ((cols - 4) / 4);
            for (int y = y0; y < y0 + 3 && y < rows; y++) {
                for (int x = x0; x < x0 + 3 && x < cols; x++) {
                    px[i * rows * cols + y * cols + x] = (byte) (200 + rnd.nextInt(56));
                }
            }
        }
        return px;
    }

    static byte[] squares(int n, int size, int[] labels, Random rnd) {
        byte[] px = new byte[n * size * size];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < size * size; p++) {
                px[i * size * size + p] = (byte) rnd.nextInt(40);
            }
            for (int k = 0; k <= labels[i]; k++) {
                int y0 = rnd.nextInt(size - 2), x0 = rnd.nextInt(size - 2);
                for (int y = y0; y < y0 + 3; y++) {
                    for (int x = x0; x < x0 + 3; x++) {
                        px[i * size * size + y * size + x] = (byte) 230;
                    }
                }
            }
        }
        return px;
    }

    public static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    public static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }

    /** Writes the four files of a train/test split into dir (gzipped or raw). */
    public static Path folder(Path dir, int train, int test, int size, boolean gzip, long seed) throws IOException {
        return folder(dir, train, test, size, gzip, seed, false);
    }

    /**
     * anywhere: class c is c + 1 bright 3x3 squares at random places instead of one square at
     * a fixed place, a task for models that pool over the whole image (global average pooling
     * cannot see where a square is).
     */
    public static Path folder(Path dir, int train, int test, int size, boolean gzip, long seed, boolean anywhere) throws IOException {
        Random rnd = new Random(seed);
        for (String prefix : new String[]{"train", "t10k"}) {
            int n = prefix.equals("train") ? train : test;
            int[] labels = rnd.ints(n, 0, 10).toArray();
            byte[] lab = new byte[n];
            for (int i = 0; i < n; i++) {
                lab[i] = (byte) labels[i];
            }
            String ext = gzip ? ".gz" : "";
            byte[] px = anywhere ? squares(n, size, labels, rnd) : images(n, size, size, labels, rnd);
            write(dir.resolve(prefix + "-images-idx3-ubyte" + ext), idx(0x803, new int[]{n, size, size}, px), gzip);
            write(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), idx(0x801, new int[]{n}, lab), gzip);
        }
        return dir;
    }
}
