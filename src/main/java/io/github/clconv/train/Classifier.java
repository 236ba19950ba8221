package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.tensor.Shape;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained checkpoint ready to classify images: loaded in one call, its batch norms folded,
 * the training data's normalisation and class names applied from the metadata.
 *
 * <pre>
 * try (Classifier c = Classifier.load(Path.of("runs/last.safetensors"), backend)) {
 *     Classifier.Prediction p = c.predict(ImageIO.read(new File("shoe.png")));
 *     System.out.println(p.name() + " " + p.probability());
 * }
 * </pre>
 */
public final class Classifier implements AutoCloseable {
    private final Model loaded, net;
    private final boolean owns;
    private final List<String> classNames;
    private final double[][] norm;

    /** label: the class index; name: its name when the checkpoint has class names, else null. */
    public record Prediction(int label, String name, double probability, float[] probabilities) {
    }

    private Classifier(Model loaded, boolean owns, List<String> classNames, double[][] norm) {
        this.loaded = loaded;
        this.owns = owns;
        Model folded;
        try {
            folded = BatchNormFolding.applies(loaded) ? BatchNormFolding.fold(loaded) : loaded;
        } catch (RuntimeException e) {
            if (owns) {
                loaded.close();
            }
            throw e;
        }
        this.net = folded;
        this.classNames = classNames;
        this.norm = norm;
    }

    public static Classifier load(Path checkpoint, Backend b) throws IOException {
        return load(checkpoint, null, b);
    }

    /** spec: the model spec when the checkpoint's metadata holds none (else null). */
    public static Classifier load(Path checkpoint, String spec, Backend b) throws IOException {
        Checkpoint.Contents c = Checkpoint.read(checkpoint);
        double[][] norm = c.normalization(checkpoint);
        return new Classifier(Checkpoint.load(checkpoint, spec, null, 0, b, 0L), true, c.classNames(), norm);
    }

    /**
     * A classifier over a model in memory (which stays the caller's: close() leaves it open),
     * with its classes' names (may be empty) and the per-channel {mean, std} its data was
     * normalised with (or null).
     */
    public static Classifier of(Model model, List<String> classNames, double[][] normalization) {
        return new Classifier(model, false, List.copyOf(classNames), normalization);
    }

    /** The shape of one image the model takes, [C, H, W]. */
    public Shape input() {
        return net.input();
    }

    public List<String> classNames() {
        return classNames;
    }

    /** One image as C planes of H x W values in [0, 1] (the form the data readers give). */
    public Prediction predict(float[] image) {
        return predict(List.of(image)).get(0);
    }

    public Prediction predict(BufferedImage image) {
        return predict(pixels(image, input()));
    }

    public List<Prediction> predict(List<float[]> images) {
        Shape in = input();
        float[] all = new float[images.size() * in.size()];
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).length != in.size()) {
                throw new IllegalArgumentException("image " + i + " has " + images.get(i).length + " values; the model takes " + in + " = " + in.size());
            }
            System.arraycopy(images.get(i), 0, all, i * in.size(), in.size());
        }
        if (norm != null) {
            int plane = in.dim(1) * in.dim(2);
            for (int i = 0; i < all.length; i++) {
                int c = i / plane % in.dim(0);
                all[i] = (float) ((all[i] - norm[0][c]) * (norm[1][c] > 0 ? 1 / norm[1][c] : 1));
            }
        }
        Backend b = net.backend();
        List<Prediction> out = new ArrayList<>();
        try (Buf x = b.upload(Shape.of(images.size(), in.dim(0), in.dim(1), in.dim(2)), all)) {
            float[] z = b.download(net.forward(x, false));
            int classes = z.length / images.size();
            for (int i = 0; i < images.size(); i++) {
                int best = Evaluator.argmax(z, i * classes, classes);
                float[] p = new float[classes];
                double sum = 0;
                for (int k = 0; k < classes; k++) {
                    sum += Math.exp(z[i * classes + k] - z[i * classes + best]);
                }
                for (int k = 0; k < classes; k++) {
                    p[k] = (float) (Math.exp(z[i * classes + k] - z[i * classes + best]) / sum);
                }
                out.add(new Prediction(best, best < classNames.size() ? classNames.get(best) : null, p[best], p));
            }
        }
        return out;
    }

    /**
     * An image as the model takes it: for a square input of N, the shorter side resized and the
     * centre N x N cropped as train's image folders are (ImageTransform; an N x N image as it is),
     * for another input shape scaled to it; then grey (one channel: a grey image's value, a colour
     * image's mean) or R, G, B planes in [0, 1], as the image-folder reader gives them.
     */
    public static float[] pixels(BufferedImage img, Shape in) {
        int c = in.dim(0), h = in.dim(1), w = in.dim(2);
        if (h == w) {
            int ih = img.getHeight(), iw = img.getWidth();
            float[] planes = new float[3 * ih * iw];
            io.github.clconv.data.ImageFolderReader.pixels(img, 3, planes, 0);
            float[] sq = io.github.clconv.data.ImageTransform.resizeCrop(planes, 3, ih, iw, h);
            if (c == 3) {
                return sq;
            }
            boolean grey = img.getColorModel().getNumColorComponents() == 1;
            float[] v = new float[h * w];
            for (int i = 0; i < v.length; i++) { // a grey image's three planes are equal; a colour one's mean, as ImageFolderReader.pixels
                v[i] = grey ? sq[i] : (sq[i] + sq[i + v.length] + sq[i + 2 * v.length]) / 3f;
            }
            return v;
        }
        BufferedImage src = img;
        if (img.getWidth() != w || img.getHeight() != h) {
            boolean grey = img.getColorModel().getNumColorComponents() == 1;
            src = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            Graphics2D g = src.createGraphics();
            g.drawImage(img, 0, 0, w, h, null);
            g.dispose();
        }
        float[] v = new float[in.size()];
        io.github.clconv.data.ImageFolderReader.pixels(src, c, v, 0);
        return v;
    }

    @Override
    public void close() {
        if (net != loaded) {
            net.close();
        }
        if (owns) {
            loaded.close();
        }
    }
}
