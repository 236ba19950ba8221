package io.github.clconv.data;

import io.github.clconv.train.ResNetInteropTestAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Photos of any size become the model's N x N input as torchvision's evaluation transform
 * makes them (Resize(round(N / 0.875)), bilinear with PIL's antialiasing, then CenterCrop(N)),
 * compared with torchvision itself on PIL images (python3-torchvision; fails without it).
 */
class ImageTransformTest {
    @TempDir
    Path dir;

    /** Random noise over smooth gradients: edges for the filter to blur, slopes for it to keep. */
    static BufferedImage photo(int w, int h, boolean grey, Random rnd) {
        BufferedImage im = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / w + rnd.nextInt(60)) % 256, g = (y * 255 / h + rnd.nextInt(60)) % 256, b = rnd.nextInt(256);
                if (grey) {
                    im.getRaster().setSample(x, y, 0, (r + g) / 2);
                } else {
                    im.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
        }
        return im;
    }

    private static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void photosOfAnySizeMatchTorchvisionsEvaluationTransform() throws Exception {
        long seed = 20261206L;
        System.out.println("ImageTransformTest seed " + seed);
        Random rnd = new Random(seed);
        int n = 56, s = (int) Math.round(n / ImageTransform.CROP_FRACTION); // 64
        int[][] sizes = {{301, 203}, {97, 131}, {64, 64}, {50, 40}, {640, 480}, {65, 200}};
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            Path f = dir.resolve("p" + i + ".png");
            ImageIO.write(photo(sizes[i][0], sizes[i][1], i % 2 == 1, rnd), "png", f.toFile());
            files.add(f);
        }
        List<String> args = new ArrayList<>(List.of("resize_crop.py", "" + s, "" + n));
        files.forEach(f -> args.add(f.toString()));
        assertTrue(ResNetInteropTestAccess.python(args.toArray(String[]::new)).contains("ok"));
        for (int i = 0; i < files.size(); i++) {
            BufferedImage im = ImageFolderReader.read(files.get(i));
            int h = im.getHeight(), w = im.getWidth(), c = i % 2 == 1 ? 1 : 3;
            float[] planes = new float[3 * h * w];
            ImageFolderReader.pixels(im, 3, planes, 0);
            float[] got = ImageTransform.resizeCrop(planes, 3, h, w, n), want = floats(Path.of(files.get(i) + ".f32"));
            assertEquals(c * n * n, want.length);
            double max = 0, sum = 0;
            for (int k = 0; k < want.length; k++) {
                double d = Math.abs(got[k] - want[k]);
                max = Math.max(max, d);
                sum += d;
            }
            // PIL resamples 8-bit images in fixed point and rounds to 8 bits between its two passes and at the end
            assertTrue(max <= 2.5 / 255 && sum / want.length <= 0.6 / 255, files.get(i) + " (" + w + " x " + h + "): max |clconv - torchvision| "
                    + max * 255 + "/255, mean " + sum / want.length * 255 + "/255");
        }
        // an image already N x N is used pixel for pixel
        float[] same = new float[3 * n * n];
        for (int k = 0; k < same.length; k++) {
            same[k] = rnd.nextFloat();
        }
        assertArrayEquals(same, ImageTransform.resizeCrop(same, 3, n, n, n));
    }

    /** A folder of photos of mixed sizes and kinds loads as one data set of N x N images, colour because one is. */
    @Test
    void aFolderOfMixedSizesLoadsAtOneSize() throws Exception {
        Random rnd = new Random(7);
        for (String split : new String[]{"train", "test"}) {
            for (String cls : new String[]{"cat", "dog"}) {
                Path d = Files.createDirectories(dir.resolve(split).resolve(cls));
                for (int i = 0; i < 3; i++) {
                    ImageIO.write(photo(40 + rnd.nextInt(200), 40 + rnd.nextInt(200), i == 0, rnd), i == 2 ? "jpg" : "png",
                            d.resolve(i + (i == 2 ? ".jpg" : ".png")).toFile());
                }
            }
        }
        Dataset[] sets = Dataset.load(dir, 32);
        assertEquals(io.github.clconv.tensor.Shape.of(3, 32, 32), sets[0].sample());
        assertEquals(6, sets[0].size());
        assertEquals(6, sets[1].size());
        assertEquals(List.of("cat", "dog"), sets[0].classNames());
        Dataset[] auto = Dataset.load(dir);
        assertEquals(io.github.clconv.tensor.Shape.of(3, ImageFolderReader.DEFAULT_SIZE, ImageFolderReader.DEFAULT_SIZE), auto[0].sample(),
                "differing sizes and no size asked for: 224");
    }
}
