package io.github.clconv.data;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;
import io.github.clconv.train.ResNetInteropTestAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Photos kept as bytes at their stored size: random-resized crops as torchvision draws and makes
 * them (compared with torchvision's F.resized_crop on the same boxes: python3-torchvision, fails
 * without it), the same crops however the set is chunked, bounded memory, and centre crops that
 * keep an image of the input's size pixel for pixel.
 */
class PhotosTest {
    static final long SEED = 20261206L;
    @TempDir
    Path dir;

    /** A folder DIR/CLASS/i.png of these sizes {w, h}, in one class "a" (file i is photo i). */
    private Path folder(String name, int[][] sizes, Random rnd) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name).resolve("a"));
        for (int i = 0; i < sizes.length; i++) {
            ImageIO.write(ImageTransformTest.photo(sizes[i][0], sizes[i][1], sizes[i].length > 2, rnd), "png", d.resolve("p" + (char) ('a' + i) + ".png").toFile());
        }
        return dir.resolve(name);
    }

    @Test
    void randomResizedCropsAreTorchvisionsOnTheirBoxes() throws Exception {
        System.out.println("PhotosTest seed " + SEED);
        Random rnd = new Random(SEED);
        int n = 40;
        int[][] sizes = {{45, 45}, {41, 37}, {30, 44}, {44, 20, 1}, {52, 39}};
        Path data = folder("photos", sizes, rnd);
        Dataset set = Dataset.load(data, n)[0];
        Photos p = set.photos().withRandomCrops(0.08);
        List<String> args = new ArrayList<>(List.of("resized_crop.py", "" + n));
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(data.resolve("a"))) {
            files.addAll(s.sorted().toList());
        }
        for (int i = 0; i < files.size(); i++) {
            int[] box = p.box(i, SEED);
            args.add(files.get(i).toString());
            args.add(box[0] + "," + box[1] + "," + box[2] + "," + box[3]);
        }
        assertTrue(ResNetInteropTestAccess.python(args.toArray(String[]::new)).contains("ok"));
        int per = 3 * n * n;
        float[] got = new float[per];
        for (int i = 0; i < files.size(); i++) {
            p.fill(i, SEED, got, 0);
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(Path.of(files.get(i) + ".f32"))).order(ByteOrder.LITTLE_ENDIAN);
            float[] want = new float[bb.remaining() / 4];
            bb.asFloatBuffer().get(want);
            boolean grey = sizes[i].length > 2;
            assertEquals(grey ? n * n : per, want.length);
            double max = 0;
            for (int k = 0; k < per; k++) {
                max = Math.max(max, Math.abs(got[k] - want[grey ? k % (n * n) : k])); // a grey photo in a colour set: its value in all three
            }
            // PIL resamples 8-bit images in fixed point and rounds between its two passes and at the end
            assertTrue(max <= 2.5 / 255, files.get(i) + " box " + Arrays.toString(p.box(i, SEED)) + ": max |clconv - torchvision| " + max * 255 + "/255");
        }
    }

    @Test
    void cropBoxesFollowTorchvisionsRule() throws Exception {
        SplittableRandom rnd = new SplittableRandom(SEED);
        int[][] sizes = {{256, 256}, {300, 200}, {97, 131}, {30, 200}};
        int draws = 20000;
        List<String> args = new ArrayList<>(List.of("crop_box_stats.py", "0.08", "" + draws));
        for (int[] hw : sizes) {
            args.add(hw[0] + "," + hw[1]);
        }
        String[] torch = Arrays.stream(ResNetInteropTestAccess.python(args.toArray(String[]::new)).split("\n"))
                .filter(l -> l.matches("\\d+ \\d+ .*")).toArray(String[]::new); // warnings aside
        assertEquals(sizes.length, torch.length, String.join("\n", torch));
        for (int k = 0; k < sizes.length; k++) {
            int[] hw = sizes[k];
            double shareSum = 0, logRatioSum = 0;
            int atLeft = 0, atRight = 0;
            for (int i = 0; i < draws; i++) {
                int[] b = Photos.cropBox(hw[0], hw[1], 0.08, rnd);
                assertTrue(b[0] >= 0 && b[1] >= 0 && b[2] >= 1 && b[3] >= 1 && b[0] + b[2] <= hw[0] && b[1] + b[3] <= hw[1],
                        Arrays.toString(b) + " outside " + Arrays.toString(hw));
                shareSum += (double) b[2] * b[3] / (hw[0] * hw[1]);
                logRatioSum += Math.log((double) b[3] / b[2]);
                atLeft += b[1] == 0 ? 1 : 0;
                atRight += b[1] + b[3] == hw[1] ? 1 : 0;
            }
            String[] t = torch[k].trim().split(" ");
            double share = shareSum / draws, logRatio = logRatioSum / draws, tShare = Double.parseDouble(t[2]), tLogRatio = Double.parseDouble(t[3]);
            System.out.printf("PhotosTest %d x %d: mean area share %.4f (torchvision %.4f), mean log aspect %.4f (%.4f)%n", hw[0], hw[1], share, tShare,
                    logRatio, tLogRatio);
            // 20,000 draws: the means' standard errors are about 0.002
            assertEquals(tShare, share, 0.01, Arrays.toString(hw) + ": mean area share");
            assertEquals(tLogRatio, logRatio, 0.01, Arrays.toString(hw) + ": mean log aspect ratio");
            assertTrue(atLeft > 0 && atRight > 0, "boxes reach both edges");
        }
        // too narrow for any box of that area and ratio: the centre, its ratio clamped to 4/3, as torchvision falls back
        assertArrayEquals(new int[]{0, 286, 20, 27}, Photos.cropBox(20, 600, 0.9, rnd));
        assertArrayEquals(new int[]{286, 0, 27, 20}, Photos.cropBox(600, 20, 0.9, rnd));
        assertArrayEquals(new int[]{0, 0, 1, 1}, Photos.cropBox(1, 1, 0.08, rnd));
    }

    /** A pass's crops depend on its seed and the photo, not on how the set is cut into chunks; the next pass draws others. */
    @Test
    void streamedCropsAreTheSameInChunksOfAnySize() throws Exception {
        Random rnd = new Random(SEED + 1);
        int[][] sizes = new int[11][];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = new int[]{20 + rnd.nextInt(60), 20 + rnd.nextInt(60)};
        }
        Dataset set = Dataset.load(folder("photos", sizes, rnd), 24)[0].withRandomCrops(0.08);
        Backend b = TestDevices.cl();
        int[] order = Permutation.shuffled(set.size(), new Random(SEED));
        float[] whole = batches(b, set, Long.MAX_VALUE, order, 7), chunked = batches(b, set, 3L * 4 * (set.sample().size() + 1), order, 7);
        assertArrayEquals(whole, chunked, "chunks of 3 photos against one chunk");
        assertFalse(Arrays.equals(whole, batches(b, set, Long.MAX_VALUE, order, 8)), "another pass, other crops");
        float[] centred = batches(b, Dataset.load(dir.resolve("photos"), 24)[0], Long.MAX_VALUE, order, 7);
        assertFalse(Arrays.equals(whole, centred), "random crops are not the centre");
    }

    /** Every batch of 2 of one pass (the last odd photo left out), in order. */
    private static float[] batches(Backend b, Dataset set, long budget, int[] order, long seed) {
        int per = set.sample().size(), steps = set.size() / 2;
        float[] out = new float[steps * 2 * per];
        try (DeviceDataset d = new DeviceDataset(b, set, budget); DeviceDataset.Pass pass = d.pass(order, seed);
             Buf x = b.zeros(Shape.of(2, set.sample().dim(0), set.sample().dim(1), set.sample().dim(2))); Buf y = b.zeros(Shape.of(2))) {
            assertFalse(d.resident() && set.photos().randomCrops(), "random crops are made afresh each pass");
            for (int s = 0; s < steps; s++) {
                pass.batch(2 * s, x, y);
                System.arraycopy(b.download(x), 0, out, s * 2 * per, 2 * per);
            }
        }
        return out;
    }

    @Test
    void largePhotosAreKeptSmallAndPhotosAtTheInputSizeExactly() throws Exception {
        Random rnd = new Random(SEED + 2);
        int n = 32;
        Path data = folder("photos", new int[][]{{400, 300}, {n, n}, {90, 500}}, rnd);
        Photos p = Dataset.load(data, n)[0].photos();
        int keep = Photos.keepSide(n); // 37
        assertEquals(37, keep);
        assertEquals(3L * (keep * (400 * keep / 300) + n * n + keep * (500 * keep / 90)), p.bytes(), "the shorter sides shrunk to " + keep + " on reading");
        // the n x n photo (the second file) gives its pixels unchanged
        BufferedImage im = ImageFolderReader.read(data.resolve("a").resolve("pb.png"));
        float[] want = new float[3 * n * n], got = new float[3 * n * n];
        ImageFolderReader.pixels(im, 3, want, 0);
        p.fill(1, 0, got, 0);
        assertArrayEquals(want, got);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("train", new float[8], new int[]{0, 0}, Shape.of(1, 2, 2), 1, List.of()).withRandomCrops(0.08));
        assertTrue(e.getMessage().contains("image folder"), e.getMessage());
    }

    /** Normalisation after the crop, and a validation split of training photos is centre-cropped. */
    @Test
    void normalisationAndSplits() throws Exception {
        Random rnd = new Random(SEED + 3);
        int[][] sizes = new int[10][];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = new int[]{30 + rnd.nextInt(40), 30 + rnd.nextInt(40)};
        }
        Dataset set = Dataset.load(folder("photos", sizes, rnd), 24)[0];
        double[] mean = {0.485, 0.456, 0.406}, std = {0.229, 0.224, 0.225};
        float[] plain = set.images(), norm = set.normalized(mean, std).images();
        int plane = 24 * 24;
        for (int k = 0; k < plain.length; k++) {
            int c = (k / plane) % 3;
            assertEquals((plain[k] - mean[c]) / std[c], norm[k], 1e-5, "value " + k);
        }
        double[][] stats = set.channelStats();
        assertTrue(stats[0][0] > 0.2 && stats[0][0] < 0.8 && stats[1][0] > 0.05, Arrays.toString(stats[0]) + " " + Arrays.toString(stats[1]));
        Dataset[] split = set.withRandomCrops(0.08).split(0.3, SEED);
        assertEquals(7, split[0].size());
        assertEquals(3, split[1].size());
        assertTrue(split[0].photos().randomCrops());
        assertFalse(split[1].photos().randomCrops(), "validation photos are centre-cropped");
    }
}
