package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClContextTest {
    @Test
    void aKernelThatFailsToBuildRaisesTheBuildLog() {
        ClContext cl = TestDevices.cl().context();
        // src/test/resources/opencl/broken.cl has a deliberate syntax error
        ClBuildException e = assertThrows(ClBuildException.class, () -> cl.kernel("broken.cl", "-DFOO=1", "broken"));
        assertTrue(e.getMessage().contains("opencl/broken.cl"), e.getMessage());
        assertTrue(e.getMessage().contains("-DFOO=1"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("error"), "the build log is included: " + e.getMessage());
    }

    /** A build is tried again only where the compiler failed on its own files, never on an error in the source. */
    @Test
    void onlyACompilersOwnFileFailureIsBuiltAgain() {
        assertTrue(ClContext.transientBuildFailure("error: <invalid loc>: unable to rename temporary '/root/.cache/pocl/kcache/tempfile_6Mm9mh"
                + ".preproc-2b1a46ad.cl.tmp' to output file '/root/.cache/pocl/kcache/tempfile_6Mm9mh.preproc.cl': 'No such file or directory'"));
        assertTrue(ClContext.transientBuildFailure("error: unable to open output file '/tmp/x.bc': 'No space left on device'"));
        assertFalse(ClContext.transientBuildFailure("<source>:3:5: error: use of undeclared identifier 'foo'"));
        ClContext cl = TestDevices.cl().context();
        ClBuildException e = assertThrows(ClBuildException.class, () -> cl.kernel("broken.cl", "-DFOO=2", "broken"));
        assertFalse(ClContext.transientBuildFailure(e.getMessage()), "a syntax error is reported at once: " + e.getMessage());
    }

    @Test
    void aMissingKernelSourceIsNamed() {
        ClContext cl = TestDevices.cl().context();
        ClException e = assertThrows(ClException.class, () -> cl.kernel("nonexistent.cl", "", "x"));
        assertTrue(e.getMessage().contains("opencl/nonexistent.cl"), e.getMessage());
    }

    @Test
    void buffersAreCountedAndReleasedOnce() {
        ClContext cl = TestDevices.cl().context();
        int before = cl.liveBuffers();
        ClBuffer b = cl.alloc(Shape.of(3, 4));
        assertEquals(before + 1, cl.liveBuffers());
        b.close();
        b.close();
        assertEquals(before, cl.liveBuffers());
        assertThrows(IllegalStateException.class, () -> cl.read(b));
    }

    @Test
    void aTensorLargerThanTheDeviceAllowsIsRefusedBeforeAllocation() {
        // the device's own limit, lowered to 64 MiB: a PoCL device on 24 GiB allows 8 GiB, more than any tensor of
        // 2^31 - 1 floats needs, so its real limit could not be passed
        DeviceInfo d = TestDevices.cl().context().device();
        DeviceInfo small = new DeviceInfo(d.index(), d.platform(), d.device(), d.platformName(), d.name(), d.gpu(), d.cpu(), d.version(),
                d.driverVersion(), d.globalMemBytes(), 64L << 20, d.computeUnits(), d.maxWorkGroupSize(), d.localMemBytes(), d.globalMemCacheBytes());
        try (ClContext cl = new ClContext(small)) {
            ClException e = assertThrows(ClException.class, () -> cl.alloc(Shape.of(16 * 1024 + 1, 1024)));
            assertTrue(e.getMessage().contains("smaller batch"), e.getMessage());
            cl.alloc(Shape.of(16 * 1024, 1024)).close(); // exactly 64 MiB fits
        }
    }

    @Test
    void deviceChoice() {
        List<DeviceInfo> all = ClDevices.list();
        assertFalse(all.isEmpty());
        DeviceInfo auto = ClDevices.choose(all, "auto");
        if (all.stream().anyMatch(DeviceInfo::gpu)) {
            assertTrue(auto.gpu());
        } else {
            assertTrue(auto.cpu() || auto == all.get(0));
        }
        assertEquals(all.get(0), ClDevices.choose(all, "0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClDevices.choose(all, String.valueOf(all.size())));
        assertTrue(e.getMessage().contains("numbered 0 to"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClDevices.choose(all, "tpu"));
        ClException none = assertThrows(ClException.class, () -> ClDevices.choose(List.of(), "auto"));
        assertTrue(none.getMessage().contains("pocl-opencl-icd"), none.getMessage());
    }
}
