package io.github.clconv.parallel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A replica that fails ends the run within seconds, even when the others reach the exchange only after it failed. */
class LocalSyncTest {
    @Test
    void aReplicaThatFailsBeforeTheOthersArriveEndsTheRun() {
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataParallel.run(3, 600, (rank, world, sync) -> {
            if (rank == 1) {
                throw new IllegalArgumentException("replica 1 cannot open its device");
            }
            Thread.sleep(300); // arrive after the failure: a reset barrier would let these wait for the timeout
            sync.stats(rank).sum(new double[]{rank});
            return rank;
        }));
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals("replica 1 cannot open its device", e.getMessage());
        assertTrue(secs < 5, "ended in " + secs + " s");
    }

    @Test
    void replicasThatAllArriveSumInOrder() throws Exception {
        double[][] got = new double[3][];
        DataParallel.run(3, 60, (rank, world, sync) -> {
            double[] v = {rank + 1, 10 * (rank + 1)};
            sync.stats(rank).sum(v);
            got[rank] = v;
            return 0;
        });
        for (double[] v : got) {
            assertEquals(6, v[0]);
            assertEquals(60, v[1]);
        }
    }
}
