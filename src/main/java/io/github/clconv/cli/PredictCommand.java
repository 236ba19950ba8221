package io.github.clconv.cli;

import io.github.clconv.train.Checkpoint;
import io.github.clconv.train.Classifier;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.IdxReader;
import io.github.clconv.nn.Model;
import io.github.clconv.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Class of each image: PNG or JPEG files (scaled to the model's input; grey or colour as the model takes) or IDX image files (every image inside).",
                "The last line on stdout is a JSON list of predictions."})
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--load", required = true, description = "Checkpoint: clconv's safetensors, a PyTorch state_dict (.pth, .pt; with --model) or an .onnx file.")
    Path load;
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--model", description = "Model spec, when the checkpoint holds none.")
    String model;
    @Parameters(arity = "1..*", paramLabel = "IMG", description = "PNG, JPEG or IDX image files.")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        io.github.clconv.util.InputFiles.checkReadable(load);
        for (Path p : images) {
            io.github.clconv.util.InputFiles.checkReadable(p); // all of them before the device opens: a typo in the last must not wait
        }
        try (Backend b = Backends.open(device); Classifier net = Classifier.load(load, model, b)) {
            Shape in = net.input();
            String b0 = Checkpoint.read(load).metadata().get(Checkpoint.BRIGHTNESS_KEY);
            double trained = b0 == null ? Double.NaN : parseOr(b0);
            List<Object> out = new ArrayList<>();
            int[] counts = new int[2]; // shown, inverted
            List<String> names = new ArrayList<>();
            List<float[]> pixels = new ArrayList<>();
            // at most BATCH images are decoded and on the device at once, however many are named (16,000 files took 2.6 GB in one batch)
            Runnable flush = () -> {
                if (!pixels.isEmpty()) {
                    report(net.predict(pixels), names, pixels, trained, out, counts);
                    names.clear();
                    pixels.clear();
                }
            };
            for (Path p : images) {
                read(p, in, names, pixels, flush);
            }
            flush.run();
            if (out.size() > SHOWN) {
                System.err.printf(java.util.Locale.ROOT, "... and %,d more (all of them in the JSON on stdout)%n", out.size() - SHOWN);
            }
            if (counts[1] > 0 && out.size() > SHOWN) {
                System.err.printf(java.util.Locale.ROOT, "%,d of %,d images look inverted against the training images%n", counts[1], out.size());
            }
            System.out.println(new Json().put("predictions", out));
        }
        return 0;
    }

    /** Images predicted in one batch. */
    static final int BATCH = 256;

    private static void report(List<Classifier.Prediction> predictions, List<String> names, List<float[]> pixels, double trained, List<Object> out,
                               int[] counts) {
        for (int i = 0; i < predictions.size(); i++) {
            Classifier.Prediction p = predictions.get(i);
            Json j = new Json().put("image", names.get(i)).put("class", p.label()).put("probability", p.probability());
            String label = p.name();
            if (label != null) {
                j.put("label", label);
            }
            double m = mean(pixels.get(i));
            // as bright as the training images once inverted, and far from them as it is: dark-on-light against light-on-dark
            boolean looksInverted = Double.isFinite(trained) && Math.abs(m - trained) > 0.25 && Math.abs(1 - m - trained) < Math.abs(m - trained) / 2;
            if (looksInverted) {
                counts[1]++;
                j.put("looks_inverted", true);
            }
            if (counts[0]++ < SHOWN) {
                System.err.printf(java.util.Locale.ROOT, "%-40s class %d%s (p = %.3f)%s%n", names.get(i), p.label(), label != null ? " " + label : "", p.probability(),
                        looksInverted ? String.format(java.util.Locale.ROOT, "  [looks inverted: mean brightness %.2f, the training images' %.2f; invert it if it is"
                                + " a dark object on a light background]", m, trained) : "");
            }
            out.add(j);
        }
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

    private static void read(Path p, Shape in, List<String> names, List<float[]> pixels, Runnable flush) throws IOException {
        String lower = p.toString().toLowerCase(java.util.Locale.ROOT);
        boolean picture = lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg");
        if (picture) {
            BufferedImage img = io.github.clconv.data.ImageFolderReader.read(p);
            names.add(p.toString());
            pixels.add(Classifier.pixels(img, in));
            if (pixels.size() >= BATCH) {
                flush.run();
            }
            return;
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
            if (pixels.size() >= BATCH) {
                flush.run();
            }
        }
    }
}
