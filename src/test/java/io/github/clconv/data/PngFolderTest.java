package io.github.clconv.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An image folder of PNGs written from IDX files holds the same data, value for value: a run
 * trained from either is then the same run (training is deterministic on a device), so the
 * two reach the same accuracy. PNG folders are written here as a user would from the IDX
 * files (8-bit grey, one folder per class named by its label).
 */
class PngFolderTest {
    @TempDir
    Path dir;

    static void writePngs(Dataset d, Path root) throws IOException {
        int h = d.sample().dim(1), w = d.sample().dim(2);
        for (int i = 0; i < d.size(); i++) {
            BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    im.getRaster().setSample(x, y, 0, Math.round(d.images()[i * h * w + y * w + x] * 255f));
                }
            }
            // zero-padded names keep file order equal to IDX order within a class
            Path f = root.resolve(String.format("%02d/%06d.png", d.labels()[i], i));
            Files.createDirectories(f.getParent());
            ImageIO.write(im, "png", f.toFile());
        }
    }

    @Test
    void pngsWrittenFromIdxFilesLoadToTheSameValues() throws IOException {
        Path idx = SyntheticData.folder(Files.createDirectory(dir.resolve("idx")), 300, 100, 28, true, 21L);
        Dataset[] a = Dataset.load(idx);
        Path png = dir.resolve("png");
        writePngs(a[0], png.resolve("train"));
        writePngs(a[1], png.resolve("test"));
        Dataset[] b = Dataset.load(png);
        for (int s = 0; s < 2; s++) {
            assertEquals(a[s].sample(), b[s].sample());
            // the folder groups images by class: compare each class's images in IDX order
            for (int c = 0; c < 10; c++) {
                assertArrayEquals(ofClass(a[s], c), ofClass(b[s], c), "set " + s + ", class " + c + ": every pixel value");
            }
        }
        // predict reads a PNG to the same values too
        int per = a[1].sample().size();
        float[] first = java.util.Arrays.copyOf(a[1].images(), per);
        Path f = png.resolve(String.format("test/%02d/%06d.png", a[1].labels()[0], 0));
        assertArrayEquals(first, io.github.clconv.train.Classifier.pixels(ImageIO.read(f.toFile()), a[1].sample()), "Classifier.pixels of " + f);
    }

    private static float[] ofClass(Dataset d, int c) {
        int per = d.sample().size();
        float[] out = new float[0];
        for (int i = 0; i < d.size(); i++) {
            if (d.labels()[i] == c) {
                float[] next = java.util.Arrays.copyOf(out, out.length + per);
                System.arraycopy(d.images(), i * per, next, out.length, per);
                out = next;
            }
        }
        return out;
    }
}
