package io.github.clconv.data;

import io.github.clconv.tensor.Shape;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Reads an image folder: DIR/train/CLASS/*.png|jpg|jpeg and DIR/test/CLASS/..., the way
 * torchvision's ImageFolder does; without DIR/test, or with the class folders directly in
 * DIR (DIR/CLASS/...), there is no test set and train's --val-split holds one out. Classes
 * are the train folder's sub-folders in name order; the test folder may not name a class
 * the train folder lacks. Images are decoded in parallel; when they differ in size (or a
 * size is asked for) they are kept as Photos, bytes at their stored size, and each is made
 * into one square size when a batch needs it (centre-cropped as torchvision's evaluation
 * transform does, or a random-resized crop for training); grey images give one channel, and
 * a set with any colour image three.
 */
public final class ImageFolderReader {
    private ImageFolderReader() {
    }

    static boolean holds(Path dir) {
        return trainDir(dir) != null;
    }

    /** DIR/train when it has class folders; else DIR itself when a class folder of it holds an image; else null. */
    private static Path trainDir(Path dir) {
        Path train = dir.resolve("train");
        try {
            if (Files.isDirectory(train)) {
                try (Stream<Path> s = Files.list(train)) {
                    return s.anyMatch(Files::isDirectory) ? train : null;
                }
            }
            try (Stream<Path> s = Files.list(dir)) {
                for (Path sub : s.filter(Files::isDirectory).toList()) {
                    try (Stream<Path> f = Files.list(sub)) {
                        if (f.anyMatch(ImageFolderReader::isImage)) {
                            return dir;
                        }
                    }
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** {train, test}; test is null when the folder has none. */
    static Dataset[] load(Path dir) throws IOException {
        return load(dir, 0);
    }

    /**
     * {train, test}; test is null when the folder has none. size: every image becomes size x size
     * (ImageTransform.resizeCrop: the shorter side resized, the centre cropped; an image of that
     * size unchanged); 0: the images' own size when they all share one, else DEFAULT_SIZE.
     */
    static Dataset[] load(Path dir, int size) throws IOException {
        Path trainDir = trainDir(dir), testDir = dir.resolve("test");
        List<String> classes = subfolders(trainDir);
        if (classes.size() > Dataset.MAX_CLASSES) {
            throw new IOException(trainDir + ": " + classes.size() + " class folders; clconv takes at most " + Dataset.MAX_CLASSES);
        }
        boolean hasTest = !trainDir.equals(dir) && Files.isDirectory(testDir);
        for (String c : hasTest ? subfolders(testDir) : List.<String>of()) {
            if (!classes.contains(c)) {
                throw new IOException(testDir.resolve(c) + ": class '" + c + "' has no folder in " + trainDir);
            }
        }
        List<Path> trainFiles = new ArrayList<>(), testFiles = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>(), testLabels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            collect(trainDir.resolve(classes.get(c)), c, trainFiles, trainLabels);
            if (hasTest) {
                collect(testDir.resolve(classes.get(c)), c, testFiles, testLabels);
            }
        }
        if (trainFiles.isEmpty() || (hasTest && testFiles.isEmpty())) {
            throw new IOException((trainFiles.isEmpty() ? trainDir : testDir) + ": no .png or .jpg images in its class folders");
        }
        List<Path> all = new ArrayList<>(trainFiles);
        all.addAll(testFiles);
        int[] first = header(all.get(0));
        boolean oneSize = true;
        for (Path f : size == 0 ? all : List.<Path>of()) { // headers only: a bad or huge file is named before anything is decoded
            oneSize &= java.util.Arrays.equals(header(f), first);
        }
        if (!oneSize) {
            size = DEFAULT_SIZE;
            log.warn("{}: the images differ in size; each is resized and centre-cropped to {} x {} (--image-size N chooses another size)", dir, size, size);
        }
        if (size > 0) { // kept as bytes at their stored size, each made into the input when a batch needs it
            Stored train = store(trainFiles, size), test = store(testFiles, size);
            int channels = train.colour || test.colour ? 3 : 1;
            Shape sample = Shape.of(channels, size, size);
            return new Dataset[]{photoSet("train", train, channels, size, trainLabels, sample, classes),
                    hasTest ? photoSet("test", test, channels, size, testLabels, sample, classes) : null};
        }
        Decoded train, test;
        try {
            train = decode(trainFiles, first);
            test = decode(testFiles, first);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        int channels = train.colour || test.colour ? 3 : 1;
        Shape sample = Shape.of(channels, first[0], first[1]);
        return new Dataset[]{dataset("train", train, trainLabels, sample, classes), hasTest ? dataset("test", test, testLabels, sample, classes) : null};
    }

    /** The side images of different sizes are brought to when no size is given: ImageNet's. */
    public static final int DEFAULT_SIZE = 224;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ImageFolderReader.class);

    /** Each image's three planes (a grey image's value in all three), and whether any was in colour. */
    private record Decoded(float[][] images, boolean colour) {
    }

    /** Every image must be first's height x width. */
    private static Decoded decode(List<Path> files, int[] first) {
        float[][] out = new float[files.size()][];
        boolean[] colour = new boolean[files.size()];
        IntStream.range(0, files.size()).parallel().forEach(i -> {
            BufferedImage im = readUnchecked(files.get(i));
            int h = im.getHeight(), w = im.getWidth();
            if (h != first[0] || w != first[1]) {
                throw new UncheckedIOException(new IOException(files.get(i) + " is " + w + " x " + h + " but the first image is " + first[1] + " x "
                        + first[0] + "; all images must have one size (or give --image-size N)"));
            }
            colour[i] = im.getColorModel().getNumColorComponents() >= 3;
            out[i] = new float[3 * h * w];
            pixels(im, 3, out[i], 0);
        });
        boolean any = false;
        for (boolean c : colour) {
            any |= c;
        }
        return new Decoded(out, any);
    }

    private static BufferedImage readUnchecked(Path f) {
        try {
            return read(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each image's three planes of bytes, its height and width, and whether any was in colour. */
    private record Stored(byte[][] bytes, int[] heights, int[] widths, boolean colour) {
    }

    /**
     * Decoded in parallel; each kept as bytes at its stored size, or with its shorter side shrunk
     * to Photos.keepSide(size) when longer (bilinear, antialiased).
     */
    private static Stored store(List<Path> files, int size) throws IOException {
        byte[][] bytes = new byte[files.size()][];
        int[] hs = new int[files.size()], ws = new int[files.size()];
        boolean[] colour = new boolean[files.size()];
        int keep = Photos.keepSide(size);
        try {
            IntStream.range(0, files.size()).parallel().forEach(i -> {
                BufferedImage im = readUnchecked(files.get(i));
                int h = im.getHeight(), w = im.getWidth();
                colour[i] = im.getColorModel().getNumColorComponents() >= 3;
                float[] planes = new float[3 * h * w];
                pixels(im, 3, planes, 0);
                if (Math.min(h, w) > keep) {
                    int[] hw = ImageTransform.resizedSize(h, w, keep);
                    planes = ImageTransform.resize(planes, 3, h, w, hw[0], hw[1]);
                    h = hw[0];
                    w = hw[1];
                }
                hs[i] = h;
                ws[i] = w;
                bytes[i] = new byte[3 * h * w];
                for (int k = 0; k < bytes[i].length; k++) {
                    bytes[i][k] = (byte) Math.round(Math.min(Math.max(planes[k], 0f), 1f) * 255f);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        boolean any = false;
        for (boolean c : colour) {
            any |= c;
        }
        return new Stored(bytes, hs, ws, any);
    }

    /** channels 1: each image keeps the first of its three equal planes. */
    private static Dataset photoSet(String name, Stored s, int channels, int size, List<Integer> labels, Shape sample, List<String> classes) {
        for (int i = 0; channels == 1 && i < s.bytes.length; i++) {
            s.bytes[i] = java.util.Arrays.copyOf(s.bytes[i], s.heights[i] * s.widths[i]);
        }
        Photos p = new Photos(s.bytes, s.heights, s.widths, channels, size);
        return new Dataset(name, new float[0], labels.stream().mapToInt(Integer::intValue).toArray(), sample, classes.size(), classes, p);
    }

    private static Dataset dataset(String name, Decoded d, List<Integer> labels, Shape sample, List<String> classes) {
        int c = sample.dim(0), per = sample.size();
        if ((long) per * d.images.length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + d.images.length + " images of " + sample + " do not fit one array");
        }
        float[] x = new float[per * d.images.length];
        int[] y = new int[d.images.length];
        for (int n = 0; n < d.images.length; n++) {
            y[n] = labels.get(n);
            System.arraycopy(d.images[n], 0, x, n * per, per); // a grey set (c = 1) keeps the first of its three equal planes
            d.images[n] = null;
        }
        return new Dataset(name, x, y, sample, classes.size(), classes);
    }

    /** {height, width} from the file's header, without decoding it; a claim beyond MAX_PIXELS is refused. */
    static int[] header(Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            throw new IOException(f + ": " + (Files.exists(f) ? "not a regular file" : "no such file"));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(f + ": not an image Java can decode (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new IOException(f + ": its header claims " + w + " x " + h + " pixels; clconv reads images of at most "
                            + (MAX_PIXELS >> 20) + " megapixels (resize it, or remove it from the folder)");
                }
                return new int[]{(int) h, (int) w};
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(f.toString())) {
                throw e;
            }
            throw new IOException(f + ": cannot be decoded (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw new IOException(f + ": cannot be decoded (" + e.getMessage() + ")");
        }
    }

    /**
     * The image's values in [0, 1] into out at offset: c planes of H x W. A grey image's
     * samples are read as stored (getRGB would pass them through a grey-to-sRGB gamma curve
     * and brighten them: 21 became 81); colour images give R, G, B planes, and a grey image in
     * a colour set its value in all three.
     */
    public static void pixels(BufferedImage im, int c, float[] out, int offset) {
        int h = im.getHeight(), w = im.getWidth();
        java.awt.image.Raster raster = im.getRaster();
        boolean grey = raster.getNumBands() <= 2 && im.getColorModel().getNumColorComponents() == 1;
        double max = grey ? (1L << im.getColorModel().getComponentSize(0)) - 1 : 255;
        for (int r = 0; r < h; r++) {
            for (int col = 0; col < w; col++) {
                int at = offset + r * w + col;
                if (grey) {
                    float v = (float) (raster.getSample(col, r, 0) / max);
                    for (int k = 0; k < c; k++) {
                        out[at + k * h * w] = v;
                    }
                    continue;
                }
                int rgb = im.getRGB(col, r);
                float red = ((rgb >> 16) & 0xFF) / 255f, green = ((rgb >> 8) & 0xFF) / 255f, blue = (rgb & 0xFF) / 255f;
                if (c == 1) {
                    out[at] = (red + green + blue) / 3f; // a colour image given to a grey model: its mean
                } else {
                    out[at] = red;
                    out[at + h * w] = green;
                    out[at + 2 * h * w] = blue;
                }
            }
        }
    }

    /** The most pixels one image may have (PIL warns at 89 million); a header may claim anything, so it is read first. */
    public static final long MAX_PIXELS = 64L << 20;

    /** Decodes f after its header's width and height are found sane: a 46000 x 46000 claim is refused before a byte is allocated. */
    public static BufferedImage read(Path f) throws IOException {
        if (!Files.isRegularFile(f)) {
            throw new IOException(f + ": " + (Files.exists(f) ? "not a regular file" : "no such file"));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(f + ": not an image Java can decode (PNG, JPEG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new IOException(f + ": its header claims " + w + " x " + h + " pixels; clconv reads images of at most "
                            + (MAX_PIXELS >> 20) + " megapixels (resize it, or remove it from the folder)");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(f.toString())) {
                throw e;
            }
            throw new IOException(f + ": cannot be decoded (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw new IOException(f + ": cannot be decoded (" + e.getMessage() + ")");
        }
    }

    /** The class folders of dir, in name order; a link that leads nowhere (a loop, a missing target) is refused by name. */
    private static List<String> subfolders(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.sorted().toList();
            for (Path p : all) {
                if (Files.isSymbolicLink(p) && !Files.exists(p)) {
                    throw new IOException(p + ": a symbolic link that leads nowhere (a loop or a missing target); remove it or point it at a class folder");
                }
            }
            return all.stream().filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
        }
    }

    /** A class folder with no image is refused, as torchvision's ImageFolder does, instead of becoming a class no image has. */
    private static void collect(Path classDir, int label, List<Path> files, List<Integer> labels) throws IOException {
        if (!Files.isDirectory(classDir)) {
            return;
        }
        int before = files.size();
        try (Stream<Path> s = Files.list(classDir)) {
            for (Path f : s.filter(ImageFolderReader::isImage).sorted().toList()) {
                files.add(f);
                labels.add(label);
            }
        }
        if (files.size() == before) {
            throw new IOException(classDir + ": a class folder with no .png or .jpg image; add images or remove the folder");
        }
    }

    private static boolean isImage(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(f) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }
}
