package io.github.clconv.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    @TempDir
    Path dir;

    static void failsWith(Path file, String... words) {
        IOException e = assertThrows(IOException.class, () -> {
            if (file.getFileName().toString().contains("labels")) {
                IdxReader.labels(file, 10);
            } else {
                IdxReader.images(file, new int[3]);
            }
        });
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + e.getMessage() + "' should mention '" + w + "'");
        }
    }

    @Test
    void rawAndGzippedFilesReadTheSame() throws IOException {
        byte[] px = new byte[2 * 3 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 10);
        }
        byte[] file = SyntheticData.idx(0x803, new int[]{2, 3, 4}, px);
        SyntheticData.write(dir.resolve("a-images"), file, false);
        SyntheticData.write(dir.resolve("b-images.gz"), file, true);
        int[] d1 = new int[3], d2 = new int[3];
        float[] raw = IdxReader.images(dir.resolve("a-images"), d1), gz = IdxReader.images(dir.resolve("b-images.gz"), d2);
        assertArrayEquals(new int[]{2, 3, 4}, d1);
        assertArrayEquals(d1, d2);
        assertArrayEquals(raw, gz);
        assertEquals(230 / 255f, raw[23], 1e-7f);
        assertEquals(0f, raw[0]);
    }

    @Test
    void labelsAreRead() throws IOException {
        SyntheticData.write(dir.resolve("labels"), SyntheticData.idx(0x801, new int[]{4}, new byte[]{0, 9, 3, 3}), true);
        assertArrayEquals(new int[]{0, 9, 3, 3}, IdxReader.labels(dir.resolve("labels"), 10));
    }

    @Test
    void corruptAndTruncatedFilesAreNamedWithTheirProblem() throws IOException {
        Path p = dir.resolve("bad-magic-images");
        SyntheticData.write(p, SyntheticData.idx(0x801, new int[]{1, 2, 2}, new byte[4]), false);
        failsWith(p, "bad magic", "0x00000801", "0x00000803");

        Path t = dir.resolve("truncated-images");
        byte[] whole = SyntheticData.idx(0x803, new int[]{5, 4, 4}, new byte[80]);
        SyntheticData.write(t, Arrays.copyOf(whole, whole.length - 7), false);
        failsWith(t, "truncated", "80 values", "73");

        Path tg = dir.resolve("truncated-images.gz");
        SyntheticData.write(dir.resolve("whole.gz"), whole, true);
        byte[] gz = Files.readAllBytes(dir.resolve("whole.gz"));
        Files.write(tg, Arrays.copyOf(gz, gz.length / 2));
        failsWith(tg);

        Path trailing = dir.resolve("trailing-images.gz");
        byte[] garbage = Arrays.copyOf(gz, gz.length + 13);
        Arrays.fill(garbage, gz.length, garbage.length, (byte) 0x5a);
        Files.write(trailing, garbage);
        failsWith(trailing, "follow the end of the gzip data");

        Path longer = dir.resolve("long-images");
        SyntheticData.write(longer, SyntheticData.idx(0x803, new int[]{1, 2, 2}, new byte[9]), false);
        failsWith(longer, "longer than its header");

        Path empty = dir.resolve("empty-images");
        Files.write(empty, new byte[0]);
        failsWith(empty, "empty");

        Path absurd = dir.resolve("absurd-images");
        SyntheticData.write(absurd, SyntheticData.idx(0x803, new int[]{100000, 100000, 1000}, new byte[0]), false);
        failsWith(absurd, "2^31");

        Path zero = dir.resolve("zero-images");
        SyntheticData.write(zero, SyntheticData.idx(0x803, new int[]{0, 2, 2}, new byte[0]), false);
        failsWith(zero, "dimension 0", ">= 1");

        Path label = dir.resolve("range-labels");
        SyntheticData.write(label, SyntheticData.idx(0x801, new int[]{3}, new byte[]{1, 10, 2}), false);
        failsWith(label, "label 10", "index 1", "out of range");

        failsWith(dir.resolve("missing-images"), "no such file");
    }

    @Test
    void aFolderWithMismatchedCountsOrMissingFilesIsRejected() throws IOException {
        SyntheticData.folder(dir, 30, 10, 8, true, 1L);
        Dataset[] sets = Dataset.load(dir);
        assertEquals(30, sets[0].size());
        assertEquals(10, sets[1].size());
        assertEquals(8 * 8, sets[0].sample().size());
        SyntheticData.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), SyntheticData.idx(0x801, new int[]{9}, new byte[9]), true);
        IOException e = assertThrows(IOException.class, () -> Dataset.load(dir));
        assertTrue(e.getMessage().contains("10 images") && e.getMessage().contains("9 labels"), e.getMessage());
        Files.delete(dir.resolve("train-images-idx3-ubyte.gz"));
        IOException missing = assertThrows(IOException.class, () -> Dataset.load(dir));
        assertTrue(missing.getMessage().contains("missing train-images-idx3-ubyte"), missing.getMessage());
        IOException noDir = assertThrows(IOException.class, () -> Dataset.load(dir.resolve("nope")));
        assertTrue(noDir.getMessage().contains("no such folder"), noDir.getMessage());
    }

    @Test
    void syntheticImagesLookLikeTheirClass() {
        int[] labels = {3};
        byte[] px = SyntheticData.images(1, 8, 8, labels, new Random(1));
        int bright = 0;
        for (byte b : px) {
            bright += (b & 0xFF) >= 200 ? 1 : 0;
        }
        assertEquals(9, bright);
    }
}
