package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the augmentation does to images (that device and reference agree is the verify family "augment"). */
class AugmentationTest {
    @Test
    void flipsAboutHalfTheImagesAndCropsWithinThePadding() {
        Backend b = TestDevices.cl();
        int n = 200, w = 5;
        float[] x = new float[n * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = 1 + i % w; // every image the row 1 2 3 4 5
        }
        try (Buf in = b.upload(Shape.of(n, 1, 1, w), x); Buf out = b.zeros(Shape.of(n, 1, 1, w))) {
            b.augment(in, true, 0, 42L, out);
            float[] y = b.download(out);
            int flipped = 0;
            for (int i = 0; i < n; i++) {
                boolean same = true, mirror = true;
                for (int j = 0; j < w; j++) {
                    same &= y[i * w + j] == 1 + j;
                    mirror &= y[i * w + j] == w - j;
                }
                assertTrue(same || mirror, "image " + i + " is the row or its mirror");
                flipped += mirror ? 1 : 0;
            }
            assertTrue(flipped > 70 && flipped < 130, flipped + " of " + n + " flipped");

            b.augment(in, false, 2, 43L, out);
            float[] c = b.download(out);
            int shifted = 0;
            for (int i = 0; i < n; i++) {
                int shift = Math.round(c[i * w + 2]) - 3; // the middle pixel tells the offset (0 when it came from the padding)
                shifted += c[i * w + 2] != 3 ? 1 : 0;
                for (int j = 0; j < w; j++) {
                    float want = c[i * w + 2] == 0 ? -1 : j + 1 + shift;
                    if (want >= 1 && want <= w) {
                        assertEquals(want, c[i * w + j], "image " + i + " is a shifted copy of the row, zeros beyond it");
                    }
                }
            }
            assertTrue(shifted > n / 2, "most images moved: " + shifted);
        }
    }

    @Test
    void specs() {
        assertNull(Augmentation.parse("none"));
        assertEquals(new Augmentation(true, 4), Augmentation.parse("hflip,crop:4"));
        assertEquals(new Augmentation(false, 2), Augmentation.parse("crop:2"));
        for (String bad : new String[]{"vflip", "crop:x", "crop:-1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(bad));
            assertTrue(e.getMessage().contains("augmentation"), e.getMessage());
        }
    }
}
