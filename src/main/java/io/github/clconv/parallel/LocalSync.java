package io.github.clconv.parallel;

import io.github.clconv.nn.Model;
import io.github.clconv.train.Trainer;

import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Gradient averaging among replicas that are threads of one process: each step every replica
 * deposits its gradients and loss, and each then computes the mean of all of them, summed in
 * replica order in double precision, so every replica holds the same bits whatever the
 * threads' timing. A replica that fails (or waits longer than the timeout) terminates the
 * phasers for good, so the others stop with an error at their next wait, whenever it comes,
 * instead of waiting forever (a reset CyclicBarrier caught only those already waiting).
 */
public final class LocalSync {
    private final int world;
    private final float[][] grads;
    private final double[] losses;
    private final Phaser deposited, read;
    private final long timeoutSeconds;

    public LocalSync(int world, long timeoutSeconds) {
        this.world = world;
        this.grads = new float[world][];
        this.losses = new double[world];
        this.small = new double[world][];
        this.deposited = new Phaser(world);
        this.read = new Phaser(world);
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The hook for replica rank. */
    public Trainer.GradientSync member(int rank) {
        return (Model model, double loss) -> {
            float[] g = Gradients.download(model);
            grads[rank] = g;
            losses[rank] = loss;
            await(deposited);
            float[] mean = new float[g.length];
            for (int i = 0; i < mean.length; i++) {
                double s = 0;
                for (int r = 0; r < world; r++) {
                    s += grads[r][i];
                }
                mean[i] = (float) (s / world);
            }
            double l = 0;
            for (int r = 0; r < world; r++) {
                l += losses[r];
            }
            await(read); // nobody deposits the next step's gradients before everyone has read these
            Gradients.upload(model, mean);
            return l / world;
        };
    }

    private final double[][] small;

    /** Batch-norm statistics for replica rank (--sync-bn): sums over the replicas, in replica order. */
    public io.github.clconv.nn.BatchNorm.StatsSync stats(int rank) {
        return new io.github.clconv.nn.BatchNorm.StatsSync() {
            @Override
            public void sum(double[] v) {
                small[rank] = v.clone();
                await(deposited);
                double[] out = new double[v.length];
                for (int r = 0; r < world; r++) {
                    for (int i = 0; i < v.length; i++) {
                        out[i] += small[r][i];
                    }
                }
                await(read);
                System.arraycopy(out, 0, v, 0, v.length);
            }

            @Override
            public int replicas() {
                return world;
            }
        };
    }

    /** Called by a replica that fails: the others' next wait ends with an error. */
    public void abort() {
        deposited.forceTermination();
        read.forceTermination();
    }

    private void await(Phaser b) {
        try {
            int phase = b.arrive();
            if (phase < 0 || b.awaitAdvanceInterruptibly(phase, timeoutSeconds, TimeUnit.SECONDS) < 0) {
                throw new IllegalStateException("another replica stopped; this one stops too");
            }
        } catch (TimeoutException e) {
            abort();
            throw new IllegalStateException("a replica did not reach the gradient exchange within " + timeoutSeconds + " s; stopping");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the other replicas");
        }
    }
}
