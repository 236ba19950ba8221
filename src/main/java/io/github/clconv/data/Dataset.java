package io.github.clconv.data;

import io.github.clconv.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Images [count, channels, rows, cols] in [0, 1] with their labels in [0, classes), held on
 * the host, and the classes' names when the data names them (else an empty list). A set of
 * photos of different sizes holds them as Photos (bytes at their stored size) instead, and
 * images is empty: each image is made when a batch needs it (DeviceDataset).
 */
public record Dataset(String name, float[] images, int[] labels, Shape sample, int classes, List<String> classNames, Photos photos) {
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** The most classes a data set may have (labels are float-coded on the device, exact far beyond this). */
    public static final int MAX_CLASSES = 65_535;

    /** Every argument is checked here, naming it: a mismatch found later said only "upload: 78400 values for shape [99,1,28,28]". */
    public Dataset(String name, float[] images, int[] labels, Shape sample, int classes, List<String> classNames) {
        this(name, images, labels, sample, classes, classNames, null);
    }

    public Dataset {
        java.util.Objects.requireNonNull(images, "images");
        if (photos != null && (images.length != 0 || photos.count() != labels.length
                || !sample.equals(Shape.of(photos.channels(), photos.size(), photos.size())))) {
            throw new IllegalArgumentException(name + ": " + photos + " with " + images.length + " image values, " + labels.length + " labels and sample " + sample);
        }
        java.util.Objects.requireNonNull(labels, "labels");
        java.util.Objects.requireNonNull(sample, "sample");
        java.util.Objects.requireNonNull(classNames, "classNames");
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException(name + ": classes is " + classes + "; it must lie in [1, " + MAX_CLASSES + "]");
        }
        if (photos == null && (long) labels.length * sample.size() != images.length) {
            throw new IllegalArgumentException(name + ": images holds " + images.length + " values, but labels has " + labels.length
                    + " entries of sample shape " + sample + " (" + (long) labels.length * sample.size() + " values); give one label per image");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(name + ": labels[" + i + "] is " + labels[i] + ", outside [0, " + classes + ")");
            }
        }
        classNames = List.copyOf(classNames);
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(name + ": " + classNames.size() + " class names for " + classes + " classes");
        }
    }

    public int size() {
        return labels.length;
    }

    /** The images as [count, C, H, W] floats; a photo set's are made now, centre-cropped (DeviceDataset makes them a chunk at a time). */
    @Override
    public float[] images() {
        return photos == null ? images : photos.centred().fillAll(0);
    }

    /** Training batches cut from the photos as random-resized crops over [minScale, 1] of each one's area (torchvision's RandomResizedCrop). */
    public Dataset withRandomCrops(double minScale) {
        if (photos == null) {
            throw new IllegalArgumentException(name + " set: a random-resized crop is cut from each photo at its stored size, so it needs an image folder"
                    + " read at a given size (--image-size N, e.g. 224) or one whose photos differ in size; this set is " + sample + " arrays");
        }
        return new Dataset(name, images, labels, sample, classes, classNames, photos.withRandomCrops(minScale));
    }

    /**
     * The training and test sets of a data folder, whatever it holds: MNIST-format IDX files
     * (with or without .gz), CIFAR-10 or CIFAR-100 binary batches, or an image folder
     * (DIR/train/CLASS/*.png|jpg and DIR/test/CLASS/...; or DIR/CLASS/... or no test folder,
     * when the test set is null). Both sets have one class count.
     */
    public static Dataset[] load(Path dir) throws IOException {
        return load(dir, 0);
    }

    /** The same, image folders' images brought to imageSize x imageSize (0: their own size when they share one; see ImageFolderReader). */
    public static Dataset[] load(Path dir, int imageSize) throws IOException {
        if (imageSize < 0 || imageSize > 4096) {
            throw new IllegalArgumentException("--image-size " + imageSize + ": expected a side between 1 and 4096 pixels");
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + ": is a file, not a data folder; pass the folder that holds the data files");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": no such folder" + (dir.equals(DEFAULT_DIR)
                    ? "; install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist` or give another data folder (--data DIR)" : ""));
        }
        if (ImageFolderReader.holds(dir) && !CifarReader.holds(dir)) {
            return ImageFolderReader.load(dir, imageSize); // its test set may be null
        }
        if (imageSize != 0) {
            throw new IllegalArgumentException("--image-size resizes the photos of an image folder; " + dir + " holds IDX or CIFAR files of one size");
        }
        if (CifarReader.holds(dir)) {
            return CifarReader.load(dir);
        }
        Dataset train = load(dir, "train"), test = load(dir, "t10k");
        int classes = Math.max(train.classes, test.classes);
        // names only where the folder is known to be Fashion-MNIST: any other 10-class IDX set is not labelled with them
        List<String> names = classes == FASHION_MNIST_CLASSES.size() && isFashionMnist(dir) ? FASHION_MNIST_CLASSES : List.of();
        return new Dataset[]{train.withClasses(classes).withNames(names), test.withClasses(classes).withNames(names)};
    }

    /** One MNIST-format set (prefix train or t10k); its class count is its largest label + 1. */
    public static Dataset load(Path dir, String prefix) throws IOException {
        Path images = find(dir, prefix + "-images-idx3-ubyte"), labels = find(dir, prefix + "-labels-idx1-ubyte");
        int[] dims = new int[3];
        float[] x = IdxReader.images(images, dims);
        int[] y = IdxReader.labels(labels, MAX_CLASSES);
        if (y.length != dims[0]) {
            throw new IOException(images + " holds " + dims[0] + " images but " + labels + " holds " + y.length + " labels");
        }
        int classes = 1;
        for (int l : y) {
            classes = Math.max(classes, l + 1);
        }
        return new Dataset(prefix.equals("train") ? "train" : "test", x, y, Shape.of(1, dims[1], dims[2]), classes, List.of());
    }

    /** The test set of a data folder (for eval: the training set of an IDX folder is not read). */
    public static Dataset loadTest(Path dir) throws IOException {
        return loadTest(dir, 0);
    }

    /** The test set, an image folder's photos brought to imageSize x imageSize (0: see load). */
    public static Dataset loadTest(Path dir, int imageSize) throws IOException {
        if (Files.isDirectory(dir) && !CifarReader.holds(dir) && !ImageFolderReader.holds(dir) && imageSize == 0) {
            return load(dir, "t10k");
        }
        Dataset test = load(dir, imageSize)[1];
        if (test == null) {
            throw new IOException(dir + ": this image folder has no test/CLASS/ folders to evaluate on; pass a folder that has them");
        }
        return test;
    }

    /** Per channel {mean, standard deviation} over every image (population std, as torchvision's recipes compute it). */
    public double[][] channelStats() {
        if (photos != null) {
            return photos.channelStats();
        }
        int c = sample.dim(0), plane = sample.size() / c;
        double[] sum = new double[c], sq = new double[c];
        for (int n = 0; n < size(); n++) {
            for (int ch = 0; ch < c; ch++) {
                int off = (n * c + ch) * plane;
                for (int i = 0; i < plane; i++) {
                    double v = images[off + i];
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
        }
        double count = (double) size() * plane;
        double[] mean = new double[c], std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = sum[ch] / count;
            std[ch] = Math.sqrt(Math.max(sq[ch] / count - mean[ch] * mean[ch], 0));
        }
        return new double[][]{mean, std};
    }

    /** (x - mean[c]) / std[c] for every channel c; a channel with std 0 is only shifted. */
    public Dataset normalized(double[] mean, double[] std) {
        int c = sample.dim(0), plane = sample.size() / c;
        if (mean.length != c || std.length != c) {
            throw new IllegalArgumentException(name + ": normalisation for " + mean.length + " channels, the images have " + c);
        }
        if (photos != null) {
            return new Dataset(name, images, labels, sample, classes, classNames, photos.normalized(mean, std));
        }
        float[] x = images.clone();
        for (int n = 0; n < size(); n++) {
            for (int ch = 0; ch < c; ch++) {
                int off = (n * c + ch) * plane;
                double scale = std[ch] > 0 ? 1 / std[ch] : 1;
                for (int i = 0; i < plane; i++) {
                    x[off + i] = (float) ((x[off + i] - mean[ch]) * scale);
                }
            }
        }
        return new Dataset(name, x, labels, sample, classes, classNames);
    }

    /** Fashion-MNIST's class names, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    private static boolean isFashionMnist(Path dir) {
        try {
            return dir.toRealPath().equals(DEFAULT_DIR.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    Dataset withNames(List<String> names) {
        return names.isEmpty() ? this : new Dataset(name, images, labels, sample, classes, names, photos);
    }

    Dataset withClasses(int n) {
        return new Dataset(name, images, labels, sample, n, classNames.isEmpty() || classNames.size() == n ? classNames : List.of(), photos);
    }

    private static Path find(Path dir, String base) throws IOException {
        for (String name : new String[]{base + ".gz", base, base.replace("-idx", ".idx") + ".gz", base.replace("-idx", ".idx")}) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        boolean someIdx;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            someIdx = files.anyMatch(f -> f.getFileName().toString().contains("-ubyte") || f.getFileName().toString().contains(".idx"));
        }
        if (someIdx) {
            throw new IOException(dir + ": missing " + base + "(.gz); an IDX data folder holds the four MNIST-format files "
                    + "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
        }
        throw new IOException(dir + ": not a data folder clconv reads: it takes the four MNIST-format IDX files (train-images-idx3-ubyte ...),"
                + " CIFAR-10/100 binary batches (data_batch_1.bin ... test_batch.bin, or train.bin and test.bin), or an image folder"
                + " (train/CLASS/*.png|jpg and test/CLASS/..., or CLASS/*.png|jpg)");
    }

    /** The first n samples. */
    public Dataset limit(int n) {
        if (n >= size()) {
            return this;
        }
        if (photos != null) {
            return select(name, Permutation.identity(size()), 0, n);
        }
        return new Dataset(name, Arrays.copyOf(images, n * sample.size()), Arrays.copyOf(labels, n), sample, classes, classNames);
    }

    /**
     * {training, validation}: a random share fraction of the images (drawn from seed) held out
     * for validation, the rest kept for training; both keep the class names.
     */
    public Dataset[] split(double fraction, long seed) {
        int[] order = Permutation.shuffled(size(), new java.util.Random(seed ^ 0xA5A5A5A5L));
        int keep = (int) Math.round(size() * (1 - fraction));
        if (keep < 1 || keep >= size()) {
            throw new IllegalArgumentException("--val-split " + fraction + " leaves " + keep + " of " + size() + " images for training");
        }
        Dataset val = select("validation", order, keep, size());
        return new Dataset[]{select("train", order, 0, keep), val.photos == null ? val : new Dataset(val.name, val.images, val.labels, sample, classes,
                classNames, val.photos.centred())};
    }

    /** Samples order[from .. to) (a photo set's share their bytes). */
    public Dataset select(String newName, int[] order, int from, int to) {
        int per = sample.size();
        float[] x = new float[photos != null ? 0 : (to - from) * per];
        int[] y = new int[to - from];
        for (int i = from; i < to; i++) {
            if (photos == null) {
                System.arraycopy(images, order[i] * per, x, (i - from) * per, per);
            }
            y[i - from] = labels[order[i]];
        }
        if (photos != null) {
            return new Dataset(newName, x, y, sample, classes, classNames, photos.select(order, from, to));
        }
        return new Dataset(newName, x, y, sample, classes, classNames);
    }
}
