package io.github.clconv.data;

import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Images [count, 1, rows, cols] in [0, 1] with their labels, held on the host. */
public record Dataset(String name, float[] images, int[] labels, Shape sample, int classes) {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int CLASSES = 10;

    public int size() {
        return labels.length;
    }

    /** The training and test sets of an MNIST-layout folder (files with or without .gz). */
    public static Dataset[] load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such folder" + (dir.equals(DEFAULT_DIR)
                    ? "; install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` or pass --data DIR" : ""));
        }
        return new Dataset[]{load(dir, "train"), load(dir, "t10k")};
    }

    public static Dataset load(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte"), labels = find(dir, prefix + "-labels-idx1-ubyte");
        int[] dims = new int[3];
        float[] x = IdxReader.images(images, dims);
        int[] y = IdxReader.labels(labels, CLASSES);
        if (y.length != dims[0]) {
            throw new IOException(images + " holds " + dims[0] + " images but " + labels + " holds " + y.length + " labels");
        }
        return new Dataset(prefix.equals("train") ? "train" : "test", x, y, Shape.of(1, dims[1], dims[2]), CLASSES);
    }

    private static Path find(Path dir, String base) throws IOException {
        for (String name : new String[]{base + ".gz", base, base.replace("-idx", ".idx") + ".gz", base.replace("-idx", ".idx")}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new IOException(dir + ": missing " + base + "(.gz); a data folder holds the four MNIST-format files "
                + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
    }

    /** The first n samples. */
    public Dataset limit(int n) {
        if (n >= size()) {
            return this;
        }
        return new Dataset(name, Arrays.copyOf(images, n * sample.size()), Arrays.copyOf(labels, n), sample, classes);
    }

    /** Samples [from, to) in the given order. */
    public Dataset select(String newName, int[] order, int from, int to) {
        int per = sample.size();
        float[] x = new float[(to - from) * per];
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            System.arraycopy(images, order[i] * per, x, (i - from) * per, per);
            y[i - from] = labels[order[i]];
        }
        return new Dataset(newName, x, y, sample, classes);
    }
}
