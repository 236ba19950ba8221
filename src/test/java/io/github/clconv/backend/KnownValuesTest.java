package io.github.clconv.backend;

import io.github.clconv.TestDevices;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Hand-computed results, on the device and in the reference. */
class KnownValuesTest {
    static Backend backend(String which) {
        return which.equals("reference") ? new ReferenceBackend() : TestDevices.cl();
    }

    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void verticalEdgeDetector(String which) {
        Backend b = backend(which);
        float[] image = new float[36];
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 3; x++) {
                image[y * 6 + x] = 10;
            }
        }
        float[] filter = {1, 0, -1, 1, 0, -1, 1, 0, -1};
        ConvGeom g = new ConvGeom(1, 1, 6, 6, 1, 3, 3, 1, 0);
        try (Buf x = b.upload(g.input(), image); Buf w = b.upload(g.weight(), filter); Buf y = b.zeros(g.output())) {
            b.conv2dForward(x, w, null, g, y);
            float[] row = {0, 30, 30, 0};
            float[] expected = new float[16];
            for (int i = 0; i < 4; i++) {
                System.arraycopy(row, 0, expected, i * 4, 4);
            }
            assertEquals(Shape.of(1, 1, 4, 4), y.shape());
            assertArrayEquals(expected, b.download(y), 1e-5f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void outputSizes(String which) {
        Backend b = backend(which);
        int[][] cases = {{4, 3, 1, 0, 2}, {5, 4, 1, 2, 6}, {5, 3, 2, 1, 3}}; // in, kernel, stride, pad, expected out
        for (int[] c : cases) {
            ConvGeom g = new ConvGeom(1, 1, c[0], c[0], 1, c[1], c[1], c[2], c[3]);
            assertEquals(c[4], g.oh());
            assertEquals(c[4], g.ow());
            try (Buf x = b.upload(g.input(), new float[c[0] * c[0]]); Buf w = b.upload(g.weight(), new float[c[1] * c[1]]);
                 Buf y = b.zeros(Shape.of(1, 1, c[4], c[4]))) {
                b.conv2dForward(x, w, null, g, y); // the output buffer of the expected size is accepted
                assertEquals(c[4] * c[4], b.download(y).length);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void maxPoolPicksEachWindowsMaximumAndRoutesTheGradientToIt(String which) {
        Backend b = backend(which);
        float[] input = {
                1, 5, 2, 0,
                3, 4, 8, 1,
                0, 2, 1, 1,
                9, 1, 3, 7};
        PoolGeom g = new PoolGeom(1, 1, 4, 4, 2, 2, 0);
        try (Buf x = b.upload(g.input(), input); Buf y = b.zeros(g.output()); Buf arg = b.zeros(g.output());
             Buf dy = b.upload(g.output(), new float[]{10, 20, 30, 40}); Buf dx = b.zeros(g.input())) {
            b.maxPoolForward(x, g, y, arg);
            assertArrayEquals(new float[]{5, 8, 9, 7}, b.download(y));
            b.maxPoolBackward(dy, arg, g, dx);
            assertArrayEquals(new float[]{
                    0, 10, 0, 0,
                    0, 0, 20, 0,
                    0, 0, 0, 0,
                    30, 0, 0, 40}, b.download(dx));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void softmaxCrossEntropyIsStableForHugeLogits(String which) {
        Backend b = backend(which);
        try (Buf logits = b.upload(Shape.of(2, 3), new float[]{1e4f, 0f, -1e4f, -1e4f, -1e4f, -1e4f});
             Buf labels = b.uploadLabels(new int[]{0, 2}, 3); Buf probs = b.zeros(Shape.of(2, 3)); Buf loss = b.zeros(Shape.of(1))) {
            b.softmaxXentForward(logits, labels, probs, loss);
            // row 0: certain and right, loss 0; row 1: uniform, loss ln 3; mean (ln 3) / 2
            assertEquals(Math.log(3) / 2, b.download(loss)[0], 1e-6);
            assertArrayEquals(new float[]{1, 0, 0, 1 / 3f, 1 / 3f, 1 / 3f}, b.download(probs), 1e-6f);
        }
    }
}
