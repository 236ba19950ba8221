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

    public MpiSync(Mpi mpi) {
        this.mpi = mpi;
    }

    @Override
    public double reduce(Model model, double localLoss) {
        float[] g = Gradients.download(model);
        mpi.sum(g);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) ((double) g[i] / mpi.size());
        }
        Gradients.upload(model, g);
        double[] l = {localLoss};
        mpi.sum(l);
        return l[0] / mpi.size();
    }
}
