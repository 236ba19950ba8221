package io.github.clconv.cli;

import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.Classifier;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.data.IdxReader;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Class of each image: PNG or JPEG files (scaled to the model's input; grey or colour as the model takes) or IDX image files (every image inside).",
                "The last line on stdout is a JSON list of predictions."})
final class PredictCommand implements Callable<Integer> {
    static final String[] FASHION = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

    @Option(names = "--load", required = true, description = "Checkpoint (safetensors) written by clconv train.")
    Path load;
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--model", description = "Model spec, when the checkpoint holds none.")
    String model;
    @Parameters(arity = "1..*", paramLabel = "IMG", description = "PNG, JPEG or IDX image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        try (Backend b = Backends.open(device); Classifier net = Classifier.load(load, model, b)) {
            Shape in = net.input();
            List<String> names = new ArrayList<>();
            List<float[]> pixels = new ArrayList<>();
            for (Path p : images) {
                read(p, in, names, pixels);
            }
            List<Object> out = new ArrayList<>();
            String b0 = Checkpoint.read(load).metadata().get(Checkpoint.BRIGHTNESS_KEY);
            double trained = b0 == null ? Double.NaN : parseOr(b0);
            List<Classifier.Prediction> predictions = net.predict(pixels);
            int shown = 0, inverted = 0;
            for (int i = 0; i < predictions.size(); i++) {
                Classifier.Prediction p = predictions.get(i);
                Json j = new Json().put("image", names.get(i)).put("class", p.label()).put("probability", p.probability());
                String label = p.name();
                if (label != null) {
                    j.put("label", label);
                } else if (p.probabilities().length == FASHION.length) {
                    j.put("fashion_mnist_label", FASHION[p.label()]);
                    label = FASHION[p.label()];
                }
                double m = mean(pixels.get(i));
                // as bright as the training images once inverted, and far from them as it is: dark-on-light against light-on-dark
                boolean looksInverted = Double.isFinite(trained) && Math.abs(m - trained) > 0.25 && Math.abs(1 - m - trained) < Math.abs(m - trained) / 2;
                if (looksInverted) {
                    inverted++;
                    j.put("looks_inverted", true);
                }
                if (shown++ < SHOWN) {
                    System.err.printf("%-40s class %d%s (p = %.3f)%s%n", names.get(i), p.label(), label != null ? " " + label : "", p.probability(),
                            looksInverted ? String.format("  [looks inverted: mean brightness %.2f, the training images' %.2f; invert it if it is"
                                    + " a dark object on a light background]", m, trained) : "");
                }
                out.add(j);
            }
            if (predictions.size() > SHOWN) {
                System.err.printf("... and %,d more (all of them in the JSON on stdout)%n", predictions.size() - SHOWN);
            }
            if (inverted > 0 && predictions.size() > SHOWN) {
                System.err.printf("%,d of %,d images look inverted against the training images%n", inverted, predictions.size());
            }
            System.out.println(new Json().put("predictions", out));
        }
        return 0;
    }

    /** Lines on stderr for a batch of images; the JSON holds every prediction. */
    static final int SHOWN = 20;

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / Math.max(1, v.length);
    }

    private static double parseOr(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static void read(Path p, Shape in, List<String> names, List<float[]> pixels) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IOException(p + ": no such file");
        }
        String lower = p.toString().toLowerCase();
        boolean picture = lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg");
        BufferedImage img = picture ? ImageIO.read(p.toFile()) : null;
        if (img != null) {
            float[] v = Classifier.pixels(img, in);
            names.add(p.toString());
            pixels.add(v);
            return;
        }
        if (picture) {
            throw new IOException(p + ": not a readable PNG or JPEG image");
        }
        if (in.dim(0) != 1) {
            throw new IOException(p + ": IDX files hold grey images, but the model takes " + in.dim(0) + " channels; pass PNG or JPEG files");
        }
        int[] dims = new int[3];
        float[] all = IdxReader.images(p, dims);
        if (dims[1] != in.dim(1) || dims[2] != in.dim(2)) {
            throw new IOException(p + ": images are " + dims[1] + "x" + dims[2] + " but the model takes " + in.dim(1) + "x" + in.dim(2));
        }
        int per = dims[1] * dims[2];
        for (int i = 0; i < dims[0]; i++) {
            names.add(p + "#" + i);
            pixels.add(java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per));
        }
    }
}
