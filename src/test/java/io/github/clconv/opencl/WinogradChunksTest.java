package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.tensor.ConvGeom;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * winograd4-chunked (chunks of images whose transforms fit an eighth of the device's cache each) against the
 * reference: on the test device with its cache reported as 64 KiB, so that small random layers (pads 0 to 2,
 * planes with partial tiles, 1 to 7 channels) run in two or more chunks of equal size give or take one; forward
 * and both gradients. On the device as it is, a small batch's transforms fit its cache: the registration does not
 * apply.
 */
class WinogradChunksTest {
    private static final long SEED = 20261208L;
    private static final List<String> INPUT_KERNELS = List.of("winograd_input", "winograd_input_rows", "winograd_input_vec",
            "winograd_input_lanes", "winograd_input_vec16");

    @Test
    void chunksSizedToASmallCacheAgreeWithTheReference() {
        System.out.println("WinogradChunksTest seed " + SEED);
        Random rnd = new Random(SEED);
        DeviceInfo d = TestDevices.cl().context().device();
        DeviceInfo smallCache = new DeviceInfo(d.index(), d.platform(), d.device(), d.platformName(), d.name(), d.gpu(), d.cpu(), d.version(),
                d.driverVersion(), d.globalMemBytes(), d.maxAllocBytes(), d.computeUnits(), d.maxWorkGroupSize(), d.localMemBytes(), 64L << 10);
        List<String> failures = new ArrayList<>();
        try (ClBackend b = new ClBackend(smallCache).convAlgo("winograd4-chunked")) {
            for (int i = 0; i < 10; i++) {
                int pad = rnd.nextInt(3), c = 1 + rnd.nextInt(6), k = (c == 1 ? 2 : 1) + rnd.nextInt(6);
                // the whole batch's transforms over twice a chunk's 2,048 floats (36 x 2 channels x 4 tiles x 16 images at least)
                ConvGeom g = new ConvGeom(16 + rnd.nextInt(20), c, 8 + rnd.nextInt(13), 8 + rnd.nextInt(13), k, 3, 3, 1, pad);
                assertEquals("winograd4-chunked", b.convAlgoFor(g), g.toString());
                int before = inputLaunches(b);
                ColumnsBackwardTest.compare(b, g, rnd, failures);
                // a forward, and the input gradient's own transforms of dy: each in two chunks or more
                assertTrue(inputLaunches(b) - before >= 4, g + ": " + (inputLaunches(b) - before) + " input transforms, expected chunks");
            }
        }
        assertTrue(failures.isEmpty(), "winograd4-chunked disagrees with the reference:\n" + String.join("\n", failures));
        try (ClBackend b = new ClBackend(d).convAlgo("winograd4-chunked")) {
            ConvGeom small = new ConvGeom(4, 3, 9, 9, 5, 3, 3, 1, 1);
            assertEquals(ConvTuner.REFERENCE, b.convAlgoFor(small), small + ": its transforms fit the device's cache, one chunk");
        }
    }

    private static int inputLaunches(ClBackend b) {
        return INPUT_KERNELS.stream().mapToInt(n -> b.context().launches(n)).sum();
    }
}
