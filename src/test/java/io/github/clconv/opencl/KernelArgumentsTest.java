package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Activation;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** ClKernel sets only the arguments that changed since a kernel's last launch; upload copies as it allocates. */
class KernelArgumentsTest {
    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    @Test
    void buffersSizesAndNumbersChangedBetweenLaunchesAreSetAgain() {
        ClBackend b = TestDevices.cl();
        try (Buf a = b.zeros(Shape.of(5)); Buf c = b.zeros(Shape.of(7))) {
            b.fill(a, 1f);
            b.fill(c, 2f);
            b.fill(a, 3f);
            b.fill(a, 3f); // all arguments as before
            assertArrayEquals(filled(5, 3f), b.download(a));
            assertArrayEquals(filled(7, 2f), b.download(c));
        }
        try (Buf x = b.upload(Shape.of(4), new float[]{-1f, -2f, 3f, -4f}); Buf y1 = b.zeros(Shape.of(4)); Buf y2 = b.zeros(Shape.of(4))) {
            b.activationForward(Activation.LEAKY_RELU, 0.1f, x, y1);
            b.activationForward(Activation.LEAKY_RELU, 0.25f, x, y2);
            assertArrayEquals(new float[]{-0.1f, -0.2f, 3f, -0.4f}, b.download(y1), 1e-6f);
            assertArrayEquals(new float[]{-0.25f, -0.5f, 3f, -1f}, b.download(y2), 1e-6f);
            b.activationForward(Activation.LEAKY_RELU, 0.1f, x, y2); // back to the first slope, into the second output
            assertArrayEquals(b.download(y1), b.download(y2));
        }
    }

    @Test
    void anOptionalBufferDroppedAfterAGivenOneIsNotUsed() {
        long seed = 20261207L;
        System.out.println("KernelArgumentsTest seed " + seed);
        Random r = new Random(seed);
        ConvGeom g = new ConvGeom(2, 3, 9, 11, 5, 3, 3, 1, 1);
        float[] xs = new float[(int) g.input().size()], ws = new float[(int) g.weight().size()], bs = new float[g.k()];
        for (float[] v : new float[][]{xs, ws, bs}) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
        }
        for (String algo : new String[]{"direct", "im2col"}) {
            ClBackend b = TestDevices.cl().convAlgo(algo);
            try (Buf x = b.upload(g.input(), xs); Buf w = b.upload(g.weight(), ws); Buf bias = b.upload(Shape.of(g.k()), bs);
                 Buf withBias = b.zeros(g.output()); Buf without = b.zeros(g.output()); Buf again = b.zeros(g.output())) {
                b.conv2dForward(x, w, bias, g, withBias);
                b.conv2dForward(x, w, null, g, without);
                b.conv2dForward(x, w, bias, g, again);
                float[] yb = b.download(withBias), y = b.download(without);
                int plane = g.h() * g.w();
                for (int i = 0; i < y.length; i++) {
                    assertEquals(yb[i] - bs[i / plane % g.k()], y[i], 1e-4f, algo + ": element " + i + " without the bias");
                }
                assertArrayEquals(yb, b.download(again), algo + ": the bias given again");
            }
        }
    }

    @Test
    void uploadCopiesTheArrayAsItAllocates() {
        ClBackend b = TestDevices.cl();
        float[] data = {1f, 2f, 3f, 4f, 5f, 6f};
        try (Buf u = b.upload(Shape.of(2, 3), data)) {
            data[0] = 99f; // the buffer holds what the array held when it was uploaded
            assertArrayEquals(new float[]{1f, 2f, 3f, 4f, 5f, 6f}, b.download(u));
        }
    }
}
