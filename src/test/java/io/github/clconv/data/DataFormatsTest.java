package io.github.clconv.data;

import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each data format --data recognises, from files written here: shapes, labels, class counts and names, pixel order. */
class DataFormatsTest {
    @TempDir
    Path dir;

    @Test
    void idxSetsMayHaveAnyNumberOfClasses() throws IOException {
        Random rnd = new Random(26);
        int[] train = rnd.ints(60, 0, 26).toArray(), test = rnd.ints(20, 0, 26).toArray();
        train[0] = 25;
        writeIdx(dir, "train", train, 0x801, 1);
        writeIdx(dir, "t10k", test, 0x801, 1);
        Dataset[] sets = Dataset.load(dir);
        assertEquals(26, sets[0].classes());
        assertEquals(26, sets[1].classes(), "both sets share the class count");
        assertArrayEquals(train, sets[0].labels());

        Path wide = Files.createDirectory(dir.resolve("wide"));
        int[] many = rnd.ints(40, 0, 300).toArray();
        many[3] = 299;
        writeIdx(wide, "train", many, 0xB01, 2); // 16-bit labels
        writeIdx(wide, "t10k", new int[]{1, 2, 3}, 0xC01, 4); // 32-bit labels
        Dataset[] w = Dataset.load(wide);
        assertEquals(300, w[0].classes());
        assertArrayEquals(many, w[0].labels());
        assertArrayEquals(new int[]{1, 2, 3}, w[1].labels());
    }

    private static void writeIdx(Path d, String prefix, int[] labels, int magic, int width) throws IOException {
        byte[] lab = new byte[labels.length * width];
        for (int i = 0; i < labels.length; i++) {
            for (int b = 0; b < width; b++) {
                lab[i * width + b] = (byte) (labels[i] >> (8 * (width - 1 - b)));
            }
        }
        SyntheticData.write(d.resolve(prefix + "-labels-idx1-ubyte"), SyntheticData.idx(magic, new int[]{labels.length}, lab), false);
        SyntheticData.write(d.resolve(prefix + "-images-idx3-ubyte"),
                SyntheticData.idx(0x803, new int[]{labels.length, 4, 4}, new byte[labels.length * 16]), false);
    }

    /** CIFAR records: label byte(s), then the R, G and B planes of 32 x 32; pixel value = (image + channel + i) mod 256. */
    private static byte[] cifar(int[] labels, int labelBytes) {
        int record = labelBytes + 3072;
        byte[] out = new byte[labels.length * record];
        for (int n = 0; n < labels.length; n++) {
            out[n * record + labelBytes - 1] = (byte) labels[n];
            if (labelBytes == 2) {
                out[n * record] = (byte) (labels[n] / 5); // the coarse label, which clconv ignores
            }
            for (int i = 0; i < 3072; i++) {
                out[n * record + labelBytes + i] = (byte) (n + i / 1024 + i);
            }
        }
        return out;
    }

    @Test
    void cifar10And100BinaryBatches() throws IOException {
        Path c10 = Files.createDirectory(dir.resolve("c10"));
        Files.write(c10.resolve("data_batch_1.bin"), cifar(new int[]{3, 9, 0}, 1));
        Files.write(c10.resolve("data_batch_2.bin"), cifar(new int[]{1}, 1));
        Files.write(c10.resolve("test_batch.bin"), cifar(new int[]{7, 2}, 1));
        Files.writeString(c10.resolve("batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
        Dataset[] s = Dataset.load(c10);
        assertEquals(Shape.of(3, 32, 32), s[0].sample());
        assertArrayEquals(new int[]{3, 9, 0, 1}, s[0].labels());
        assertArrayEquals(new int[]{7, 2}, s[1].labels());
        assertEquals(10, s[0].classes());
        assertEquals("cat", s[0].classNames().get(3));
        // image 1, green plane (channel 1), pixel 5: byte (1 + 1 + 1024 + 5) mod 256
        assertEquals(((1 + 1 + 1029) & 0xFF) / 255f, s[0].images()[3072 + 1024 + 5], 1e-7);

        Path c100 = Files.createDirectory(dir.resolve("c100"));
        Files.write(c100.resolve("train.bin"), cifar(new int[]{99, 42}, 2));
        Files.write(c100.resolve("test.bin"), cifar(new int[]{5}, 2));
        Dataset[] h = Dataset.load(c100);
        assertArrayEquals(new int[]{99, 42}, h[0].labels(), "the fine labels");
        assertEquals(100, h[1].classes());

        Files.write(c10.resolve("data_batch_2.bin"), new byte[3073 * 2 - 1]);
        IOException e = assertThrows(IOException.class, () -> Dataset.load(c10));
        assertTrue(e.getMessage().contains("data_batch_2.bin") && e.getMessage().contains("whole number"), e.getMessage());
    }

    private static void png(Path f, int w, int h, int rgb) throws IOException {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, rgb + x);
            }
        }
        Files.createDirectories(f.getParent());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        Files.write(f, out.toByteArray());
    }

    @Test
    void imageFoldersGiveColourSetsWithNamedClasses() throws IOException {
        Path root = Files.createDirectory(dir.resolve("photos"));
        List<String> classes = List.of("cat", "dog", "emu");
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 2; i++) {
                png(root.resolve("train/" + classes.get(c) + "/" + i + ".png"), 8, 6, (40 * c) << 16 | 10 << 8 | 200);
            }
            png(root.resolve("test/" + classes.get(c) + "/t.png"), 8, 6, 7 << 16);
        }
        Dataset[] s = Dataset.load(root);
        assertEquals(Shape.of(3, 6, 8), s[0].sample());
        assertEquals(classes, s[0].classNames());
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 2}, s[0].labels());
        assertEquals(3, s[1].size());
        int per = 3 * 6 * 8;
        // image 2 (class dog), red plane at x = 3: 40, green plane 10, blue plane 200 + 3
        assertEquals(40 / 255f, s[0].images()[2 * per + 3], 1e-7);
        assertEquals(10 / 255f, s[0].images()[2 * per + 48 + 3], 1e-7);
        assertEquals(203 / 255f, s[0].images()[2 * per + 96 + 3], 1e-7);

        // an image of another size: every image is then resized and centre-cropped to one size (224 unless asked)
        png(root.resolve("train/dog/odd.png"), 9, 6, 0);
        assertEquals(Shape.of(3, 224, 224), Dataset.load(root)[0].sample());
        assertEquals(Shape.of(3, 8, 8), Dataset.load(root, 8)[0].sample());
        Files.delete(root.resolve("train/dog/odd.png"));
        IOException e;
        png(root.resolve("test/yak/t.png"), 8, 6, 0);
        e = assertThrows(IOException.class, () -> Dataset.load(root));
        assertTrue(e.getMessage().contains("yak"), e.getMessage());
    }
}
