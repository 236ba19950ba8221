package io.github.clconv.train;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.nn.Sequential;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** 10,000 training steps whose batch size changes at random between 1 and 256: device buffers and heap stay bounded. */
class SoakTest {
    @Test
    void varyingBatchSizesKeepBuffersAndHeapBounded() {
        Backend b = TestDevices.cl();
        long seed = 20261203L;
        System.out.println("SoakTest seed " + seed);
        Random rnd = new Random(seed);
        int before = b.liveBuffers();
        try (Sequential net = Sequential.of(ModelSpec.parse("conv(2,3)-relu-maxpool(2)-flatten-linear(3)"), Shape.of(1, 6, 6), b, seed);
             Optimizer opt = new Optimizer(net, Optimizer.Kind.SGD, 0.01f, 0f, false, 0f);
             SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(b)) {
            int afterBuild = b.liveBuffers(), peak = 0;
            long heapPeak = 0;
            // 20 distinct sizes from 1 to 256, far more than a layer keeps: every few steps evict a
            // set; (all 256 would mostly time PoCL building a kernel per new work-group size)
            int[] sizes = {1, 2, 3, 5, 8, 13, 21, 34, 55, 64, 89, 100, 127, 128, 144, 177, 200, 233, 255, 256};
            for (int step = 0; step < 10_000; step++) {
                int n = sizes[rnd.nextInt(sizes.length)];
                float[] x = new float[n * 36], y = new float[n];
                for (int i = 0; i < n; i++) {
                    y[i] = rnd.nextInt(3);
                    x[i * 36 + rnd.nextInt(36)] = 1f;
                }
                try (Buf xb = b.upload(Shape.of(n, 1, 6, 6), x); Buf yb = b.upload(Shape.of(n), y)) {
                    Buf logits = net.forward(xb, true);
                    loss.forward(logits, yb);
                    net.backward(loss.backward());
                    opt.step();
                }
                if (step % 500 == 499) {
                    b.finish();
                    peak = Math.max(peak, b.liveBuffers());
                    System.gc(); // live data, not garbage waiting for a collection, is what must stay bounded
                    Runtime rt = Runtime.getRuntime();
                    heapPeak = Math.max(heapPeak, rt.totalMemory() - rt.freeMemory());
                }
            }
            System.out.printf("SoakTest: %d live buffers after building, at most %d while training, heap at most %d MiB%n",
                    afterBuild, peak, heapPeak >> 20);
            // each layer keeps at most Workspace.SHAPES batch sizes of a few buffers each
            assertTrue(peak - afterBuild <= 80, "live buffers grew from " + afterBuild + " to " + peak);
            assertTrue(heapPeak < (512L << 20), "heap " + (heapPeak >> 20) + " MiB");
        }
        assertTrue(b.liveBuffers() <= before + 0, "closing the model released its buffers: " + before + " -> " + b.liveBuffers());
    }
}
