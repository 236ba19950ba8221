package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kernels with private arrays fit a small thread stack: CI's JVM died of a SIGSEGV (exit 139, no
 * report) when PoCL, left to choose gemm_nt's work-groups, made them thousands of work-items
 * and laid their register blocks out on one worker's 8 MB stack (Winograd's output transform
 * did the same at 2 MB). Here a child JVM runs the grouped GEMM candidates and every
 * convolution algorithm on large grids with the stack limit (which sizes PoCL's worker stacks)
 * at 512 KB: each work-group's private arrays must fit it.
 */
class StackTest {
    @TempDir
    Path dir;

    @Test
    void largeGridsRunOnHalfAMegabyteOfStack() throws Exception {
        TestDevices.cl(); // fails loudly without OpenCL
        long seed = 20261207L;
        System.out.println("StackTest seed " + seed);
        Path log = dir.resolve("probe.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", "-c", "ulimit -s 512 && exec \"$0\" -cp \"$1\" -Dclconv.cache=\"$2\" "
                + StackProbe.class.getName() + " " + seed, java, System.getProperty("java.class.path"),
                System.getProperty("clconv.cache", dir.resolve("cache").toString())))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("StackProbe did not finish in 600 s:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), "StackProbe (a crash, exit 139 or 134, is a work-group that overflowed the stack in the last launch set printed):\n" + out);
        String last = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
        assertTrue(last.startsWith("ok ") && Integer.parseInt(last.substring(3)) >= 30, out);
        System.out.println("StackTest: " + last.substring(3) + " GEMMs and convolutions on 512 KB stacks");
    }
}
