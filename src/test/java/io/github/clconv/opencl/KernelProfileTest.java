package io.github.clconv.opencl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The profile's split of the time between kernels: turnaround where the next was already queued, else a wait for the host. */
class KernelProfileTest {
    @Test
    void theTimeBetweenKernelsSplitsAtTheMomentTheNextWasQueued() {
        long[] g = {-1, 0, 0, 0};
        KernelProfile.gap(g, 0, 10, 100);    // the first kernel: nothing before it
        KernelProfile.gap(g, 50, 112, 200);  // queued while the first ran: 12 of turnaround
        KernelProfile.gap(g, 230, 240, 300); // queued 30 after the second ended: 30 waiting for the host, then 10 of turnaround
        KernelProfile.gap(g, 290, 290, 400); // a start at the previous end's moment: no gap
        assertArrayEquals(new long[]{400, 4, 22, 30}, g);
    }
}
