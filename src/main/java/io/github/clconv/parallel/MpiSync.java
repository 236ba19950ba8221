package io.github.clconv.parallel;

import io.github.clconv.nn.Model;
import io.github.clconv.train.Trainer;

/**
 * Gradient averaging across MPI ranks: each step one MPI_Allreduce (sum) of the flat
 * gradients and one of the loss, then a division by the number of ranks. With two ranks the
 * sum is exact up to one rounding whatever the order, so runs repeat bit for bit.
 */
public final class MpiSync implements Trainer.GradientSync {
    private final Mpi mpi;
    private long steps, exchangeNanos, allreduceNanos;

    public MpiSync(Mpi mpi) {
        this.mpi = mpi;
    }

    public Mpi mpi() {
        return mpi;
    }

    @Override
    public double reduce(Model model, double localLoss) {
        long t0 = System.nanoTime();
        float[] g = Gradients.download(model);
        long t1 = System.nanoTime();
        mpi.sum(g);
        allreduceNanos += System.nanoTime() - t1;
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) ((double) g[i] / mpi.size());
        }
        Gradients.upload(model, g);
        double[] l = {localLoss};
        mpi.sum(l);
        exchangeNanos += System.nanoTime() - t0;
        steps++;
        return l[0] / mpi.size();
    }

    /** Batch-norm statistics summed over the ranks (--sync-bn). */
    public io.github.clconv.nn.BatchNorm.StatsSync stats() {
        return new io.github.clconv.nn.BatchNorm.StatsSync() {
            @Override
            public void sum(double[] v) {
                mpi.sum(v);
            }

            @Override
            public int replicas() {
                return mpi.size();
            }
        };
    }

    /** Mean milliseconds per step so far: {the whole exchange (download, allreduce, upload), the gradients' allreduce alone}. */
    public double[] millisPerStep() {
        return steps == 0 ? new double[]{0, 0} : new double[]{exchangeNanos / 1e6 / steps, allreduceNanos / 1e6 / steps};
    }
}
