package io.github.clconv.cli;

import io.github.clconv.train.Checkpoint;

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
        try (Backend b = Backends.open(device); Model loaded = Models.open(model, load, null, 0, b, 0L)) {
            Model net = BatchNormFolding.applies(loaded) ? BatchNormFolding.fold(loaded) : loaded;
            Checkpoint.Contents meta = Checkpoint.read(load);
            List<String> classNames = meta.classNames();
            double[][] norm = meta.normalization(load);
            Shape in = net.input();
            List<String> names = new ArrayList<>();
            List<float[]> pixels = new ArrayList<>();
            for (Path p : images) {
                read(p, in, names, pixels);
            }
            float[] all = new float[pixels.size() * in.size()];
            for (int i = 0; i < pixels.size(); i++) {
                System.arraycopy(pixels.get(i), 0, all, i * in.size(), in.size());
            }
            if (norm != null) { // the training data's normalisation, from the checkpoint
                int plane = in.dim(1) * in.dim(2);
                for (int i = 0; i < all.length; i++) {
                    int c = i / plane % in.dim(0);
                    all[i] = (float) ((all[i] - norm[0][c]) * (norm[1][c] > 0 ? 1 / norm[1][c] : 1));
                }
            }
            List<Object> out = new ArrayList<>();
            try (Buf x = b.upload(Shape.of(pixels.size(), in.dim(0), in.dim(1), in.dim(2)), all)) {
                Buf logits = net.forward(x, false);
                int classes = logits.shape().dim(1);
                float[] z = b.download(logits);
                for (int i = 0; i < pixels.size(); i++) {
                    int c = Evaluator.argmax(z, i * classes, classes);
                    double sum = 0;
                    for (int k = 0; k < classes; k++) {
                        sum += Math.exp(z[i * classes + k] - z[i * classes + c]);
                    }
                    Json j = new Json().put("image", names.get(i)).put("class", c).put("probability", 1 / sum);
                    String label = c < classNames.size() ? classNames.get(c) : null;
                    if (label != null) {
                        j.put("label", label);
                    } else if (classes == FASHION.length) {
                        j.put("fashion_mnist_label", FASHION[c]);
                        label = FASHION[c];
                    }
                    System.err.printf("%-40s class %d%s (p = %.3f)%n", names.get(i), c, label != null ? " " + label : "", 1 / sum);
                    out.add(j);
                }
            } finally {
                if (net != loaded) {
                    net.close();
                }
            }
            System.out.println(new Json().put("predictions", out));
        }
        return 0;
    }

    private static void read(Path p, Shape in, List<String> names, List<float[]> pixels) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IOException(p + ": no such file");
        }
        String lower = p.toString().toLowerCase();
        boolean picture = lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg");
        BufferedImage img = picture ? ImageIO.read(p.toFile()) : null;
        if (img != null) {
            int h = in.dim(1), w = in.dim(2), c = in.dim(0);
            BufferedImage scaled = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.drawImage(img, 0, 0, w, h, null);
            g.dispose();
            float[] v = new float[in.size()];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (c == 1) {
                        v[y * w + x] = scaled.getRaster().getSample(x, y, 0) / 255f;
                    } else {
                        int rgb = scaled.getRGB(x, y);
                        for (int k = 0; k < Math.min(c, 3); k++) {
                            v[k * h * w + y * w + x] = ((rgb >> (16 - 8 * k)) & 0xFF) / 255f;
                        }
                    }
                }
            }
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
