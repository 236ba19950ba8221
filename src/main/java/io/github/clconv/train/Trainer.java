package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.data.Permutation;
import io.github.clconv.nn.Model;
import io.github.clconv.tensor.Shape;

import java.util.Random;

/**
 * Mini-batch training of a model with softmax-cross-entropy, one epoch at a time (Fit runs
 * whole runs). A step queues its
 * kernels without waiting: the batch is gathered on the device from an index list
 * uploaded once per epoch, and each step's loss is copied into a device-side history
 * that the host reads every logEvery steps (and at the end of the epoch).
 */
public final class Trainer implements AutoCloseable {
    private final Model model;
    private final Optimizer optimizer;
    private final Backend b;
    private final int batch, logEvery;
    private final boolean shuffle;
    private final Random shuffler;
    private final SoftmaxCrossEntropy loss;
    private int step;
    private double[] lastEpochLosses = new double[0];

    public Trainer(Model model, Optimizer optimizer, int batch, boolean shuffle, long seed, int logEvery) {
        this(model, optimizer, batch, shuffle, seed, logEvery, 0f);
    }

    /** labelSmoothing: the cross-entropy's label smoothing in [0, 1) (evaluation reports the plain loss). */
    public Trainer(Model model, Optimizer optimizer, int batch, boolean shuffle, long seed, int logEvery, float labelSmoothing) {
        if (batch < 1) {
            throw new IllegalArgumentException("the batch size must be >= 1, got " + batch);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("the loss read-back interval (log every) must be >= 1, got " + logEvery);
        }
        this.model = model;
        this.optimizer = optimizer;
        this.b = model.backend();
        this.batch = batch;
        this.shuffle = shuffle;
        this.logEvery = logEvery;
        this.shuffler = new Random(seed ^ 0x5DEECE66DL);
        this.loss = new SoftmaxCrossEntropy(b, labelSmoothing);
    }

    /**
     * Data-parallel training: how a replica's gradients meet the others'. Each replica trains
     * its share of every global batch; after each backward pass reduce() must leave every
     * replica holding the mean of all replicas' gradients (so all apply the same update), and
     * return the mean of their losses.
     */
    public interface GradientSync {
        double reduce(Model model, double localLoss);
    }

    private int rank, world = 1;
    private GradientSync sync;

    /**
     * Makes this trainer replica rank of world: each step it takes images
     * [rank * B/world, (rank + 1) * B/world) of the global batch B (which must split evenly)
     * and calls sync after the backward pass.
     */
    public void replica(int rank, int world, GradientSync sync) {
        if (world < 1 || rank < 0 || rank >= world) {
            throw new IllegalArgumentException("replica " + rank + " of " + world + " does not exist");
        }
        if (batch % world != 0) {
            throw new IllegalArgumentException("the batch size " + batch + " does not split evenly over " + world + " replicas; use a multiple of " + world);
        }
        this.rank = rank;
        this.world = world;
        this.sync = sync;
    }

    /** Images per step on this replica: the batch, or its share of it. */
    public int localBatch() {
        return batch / world;
    }

    /** Steps taken so far, across epochs. */
    private Augmentation augmentation;
    private long augmentSeed;
    private Buf xAug;

    /** Augments every training batch on the device, with choices drawn from seed and the step number (null: none). */
    public void augment(Augmentation a, long seed) {
        this.augmentation = a;
        this.augmentSeed = seed;
    }

    private Schedule schedule;
    private long totalSteps;

    /** Scales the learning rate at every step by schedule's factor, for a run of totalSteps steps. */
    public void schedule(Schedule schedule, long totalSteps) {
        this.schedule = schedule;
        this.totalSteps = totalSteps;
    }

    public int steps() {
        return step;
    }

    /**
     * Continues a run after completedEpochs epochs over trainSize images and globalStep steps:
     * the shuffles of those epochs are drawn again (so the next epoch's order is the one an
     * uninterrupted run would use) and the step count, which keys schedules and augmentation,
     * is restored.
     */
    public void resume(int completedEpochs, int globalStep, int trainSize) {
        if (shuffle) {
            for (int e = 0; e < completedEpochs; e++) {
                Permutation.shuffled(trainSize, shuffler);
            }
        }
        this.step = globalStep;
    }

    private double lastEpochAccuracy = Double.NaN;

    /**
     * The share of the last epoch's training images whose most probable class was the label, as the
     * model was at each step (before the step's update, with dropout and augmentation, as Keras
     * reports it); with several replicas, this replica's share of each batch.
     */
    public double lastEpochAccuracy() {
        return lastEpochAccuracy;
    }

    /** Every step loss of the last epoch, in order. */
    public double[] lastEpochLosses() {
        return lastEpochLosses.clone();
    }

    /** One pass over the whole batches of train; returns the mean training loss. */
    public double epoch(DeviceDataset train, int epoch, TrainingListener listener) {
        int n = train.size(), steps = n / batch;
        if (steps == 0) {
            throw new IllegalArgumentException("the batch size " + batch + " is larger than the " + n + " training images");
        }
        int[] perm = shuffle ? Permutation.shuffled(n, shuffler) : Permutation.identity(n);
        Shape xs = train.data().sample();
        int lb = localBatch(), classes = model.output().size();
        // each step's probabilities are kept on the device until the next read-back, which counts the hits against the
        // host's labels: training accuracy without a wait per step; a read-back comes sooner when they would pass 16M floats,
        // and no more steps are kept than the epoch has (a benchmark's rare logging had zeroed 64 MB per epoch)
        int kept = (int) Math.max(1, Math.min(Math.min(logEvery, steps), (16L << 20) / ((long) lb * classes)));
        int[] labels = train.data().labels();
        try (DeviceDataset.Pass pass = train.pass(perm, Augmentation.stepSeed(augmentSeed, step)); Buf history = b.zeros(Shape.of(steps)); Buf probHistory = b.zeros(Shape.of(kept * lb * classes))) {
            Buf x = workspace(xs, false), y = workspace(null, true);
            double[] losses = new double[steps];
            int reported = 0, counted = 0;
            long hits = 0, intervalHits = 0;
            for (int s = 0; s < steps; s++) {
                pass.batch(s * batch + rank * localBatch(), x, y);
                Buf input = x;
                if (augmentation != null && augmentation.onDevice()) {
                    if (xAug == null) {
                        xAug = b.zeros(x.shape());
                    }
                    b.augment(x, augmentation.hflip(), augmentation.pad(), Augmentation.stepSeed(augmentSeed, step), xAug);
                    input = xAug;
                }
                Buf logits = model.forward(input, true);
                Buf stepLoss = loss.forward(logits, y);
                if (sync == null) {
                    b.copyRange(stepLoss, 0, history, s, 1);
                }
                b.copyRange(loss.probs(), 0, probHistory, (s - counted) * lb * classes, lb * classes);
                model.backward(loss.backward());
                if (sync != null) { // the gradients are read back each step anyway, so the loss comes with them
                    losses[s] = sync.reduce(model, b.download(stepLoss)[0]);
                }
                if (schedule != null) {
                    optimizer.setLearningRate((float) (optimizer.baseLearningRate() * schedule.factor(step, totalSteps, steps)));
                }
                optimizer.step();
                step++;
                boolean report = (s + 1) % logEvery == 0 || s + 1 == steps;
                if (report || s + 1 - counted == kept) {
                    float[] p = b.download(probHistory);
                    for (int i = counted; i <= s; i++) {
                        for (int r = 0; r < lb; r++) {
                            int at = ((i - counted) * lb + r) * classes, best = 0;
                            for (int c = 1; c < classes; c++) {
                                best = p[at + c] > p[at + best] ? c : best;
                            }
                            intervalHits += best == labels[perm[i * batch + rank * lb + r]] ? 1 : 0;
                        }
                    }
                    counted = s + 1;
                }
                if (report) {
                    float[] h = sync == null ? b.download(history) : null;
                    double interval = 0;
                    for (int i = reported; i <= s; i++) {
                        losses[i] = h != null ? h[i] : losses[i];
                        interval += losses[i];
                        if (!Double.isFinite(losses[i])) {
                            throw new TrainingDivergedException(step - s + i, epoch, losses[i], optimizer.learningRate());
                        }
                    }
                    int since = s + 1 - reported;
                    reported = s + 1;
                    hits += intervalHits;
                    // the means over the steps since the last report
                    listener.step(epoch, step, s + 1, steps, interval / since, (double) intervalHits / ((long) since * lb));
                    intervalHits = 0;
                }
            }
            lastEpochLosses = losses;
            lastEpochAccuracy = (double) hits / ((long) steps * lb);
            double sum = 0;
            for (double l : losses) {
                sum += l;
            }
            return sum / steps;
        }
    }

    private Buf xBuf, yBuf;

    private Buf workspace(Shape sample, boolean labels) {
        if (labels) {
            if (yBuf == null) {
                yBuf = b.zeros(Shape.of(localBatch()));
            }
            return yBuf;
        }
        if (xBuf == null) {
            xBuf = b.zeros(Shape.of(localBatch(), sample.dim(0), sample.dim(1), sample.dim(2)));
        }
        return xBuf;
    }

    @Override
    public void close() {
        loss.close();
        if (xBuf != null) {
            xBuf.close();
            yBuf.close();
        }
        if (xAug != null) {
            xAug.close();
        }
    }
}
