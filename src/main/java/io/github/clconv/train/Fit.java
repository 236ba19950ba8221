package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.data.Dataset;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.Model;

import io.github.clconv.util.Shutdown;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole training run, as Keras's fit: epochs of mini-batch steps, an evaluation on the
 * test (and validation) set after each, listeners told of both, a checkpoint and its
 * training state saved after each epoch when asked, a run resumed from such a save.
 *
 * <pre>
 * try (Fit fit = Fit.builder(model, Optimizer.Config.sgd(0.01f).withMomentum(0.9f)).batch(64).epochs(5).build()) {
 *     List&lt;TrainingListener.EpochResult&gt; history = fit.run(data[0], data[1]);
 * }
 * </pre>
 */
public final class Fit implements AutoCloseable {
    private final Model model;
    private final Optimizer optimizer;
    private final Trainer trainer;
    private final Builder c;

    /** How a run goes; every setting has a default (batch 64, 1 epoch, shuffled, seed 42). */
    public static final class Builder {
        private final Model model;
        private final Optimizer.Config optimizer;
        private int batch = 64, epochs = 1, logEvery = 50, evalBatch = 256;
        private long seed = 42L;
        private boolean shuffle = true;
        private float labelSmoothing;
        private Schedule schedule;
        private Augmentation augmentation;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Path save, resume;
        private List<String> classNames = List.of();
        private double[][] normalization;
        private java.util.Map<String, String> metadata = java.util.Map.of();
        private Long dataBudgetMiB;
        private List<String> freeze = List.of();
        private int rank, world = 1;
        private Trainer.GradientSync sync;

        private Builder(Model model, Optimizer.Config optimizer) {
            this.model = model;
            this.optimizer = optimizer;
        }

        public Builder batch(int n) {
            this.batch = n;
            return this;
        }

        /** The run's length in epochs (a resumed run continues up to it). */
        public Builder epochs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("the number of epochs must be >= 1, got " + n);
            }
            this.epochs = n;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** false: batches in file order. */
        public Builder shuffle(boolean s) {
            this.shuffle = s;
            return this;
        }

        /** Steps between loss read-backs, which listeners' step() sees. */
        public Builder logEvery(int steps) {
            this.logEvery = steps;
            return this;
        }

        public Builder evalBatch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("the evaluation batch size must be >= 1, got " + n);
            }
            this.evalBatch = n;
            return this;
        }

        public Builder labelSmoothing(float e) {
            this.labelSmoothing = e;
            return this;
        }

        /** The learning rate's course over the whole run (null: constant). */
        public Builder schedule(Schedule s) {
            this.schedule = s;
            return this;
        }

        public Builder augment(Augmentation a) {
            this.augmentation = a;
            return this;
        }

        public Builder listener(TrainingListener l) {
            listeners.add(l);
            return this;
        }

        /**
         * Saves the model to file and its training state beside it after every epoch, with
         * the class names and per-channel normalisation (or null) the data had, for predict.
         */
        public Builder saveEachEpoch(Path file, List<String> classNames, double[][] normalization) {
            this.save = file;
            this.classNames = List.copyOf(classNames);
            this.normalization = normalization;
            return this;
        }

        /** More entries for the saved model's metadata. */
        public Builder metadata(java.util.Map<String, String> entries) {
            this.metadata = java.util.Map.copyOf(entries);
            return this;
        }

        /** Continues the run saved in file (the model must already hold its weights). */
        public Builder resume(Path file) {
            this.resume = file;
            return this;
        }

        /** Device memory each data set given to run(Dataset...) may take before it is streamed (null: a quarter of the device's). */
        public Builder dataBudgetMiB(Long mib) {
            this.dataBudgetMiB = mib;
            return this;
        }

        /**
         * Freezes trainable tensors for a fine-tune: "backbone" (all but the classifier, the last layer with
         * trainable tensors) and/or state_dict name prefixes (Freezing.select). Frozen tensors get no optimiser
         * update or state, no gradient where nothing before them trains, and frozen batch norms there keep their
         * running statistics: the saved checkpoint holds them bit for bit.
         */
        public Builder freeze(List<String> specs) {
            this.freeze = List.copyOf(specs);
            return this;
        }

        /** Makes this run replica rank of world in data-parallel training (see Trainer.replica). */
        public Builder replica(int rank, int world, Trainer.GradientSync sync) {
            this.rank = rank;
            this.world = world;
            this.sync = sync;
            return this;
        }

        public Fit build() {
            return new Fit(this);
        }
    }

    public static Builder builder(Model model, Optimizer.Config optimizer) {
        return new Builder(model, optimizer);
    }

    private Fit(Builder c) {
        this.c = c;
        this.model = c.model;
        c.model.freeze(c.freeze.isEmpty() ? java.util.Set.of() : io.github.clconv.nn.Freezing.select(c.model, c.freeze));
        this.optimizer = new Optimizer(c.model, c.optimizer);
        Trainer t;
        try {
            t = new Trainer(c.model, optimizer, c.batch, c.shuffle, c.seed, c.logEvery, c.labelSmoothing);
        } catch (RuntimeException e) {
            optimizer.close();
            throw e;
        }
        this.trainer = t;
        trainer.augment(c.augmentation, c.seed);
        if (c.sync != null) {
            try {
                trainer.replica(c.rank, c.world, c.sync);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Model model() {
        return model;
    }

    private volatile boolean stopRequested;

    /** Ends the run after the current epoch (its evaluation and save included): early stopping, or any listener's rule. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Saves the model as it is now to file, with the run's class names and normalisation (a keep-best listener's copy). */
    public void saveModel(Path file) throws IOException {
        Shutdown.critical(() -> {
            Checkpoint.save(model, file, c.classNames, c.normalization, c.metadata);
            return null;
        });
    }

    public Trainer trainer() {
        return trainer;
    }

    /** Uploads (or streams) the sets and runs; validation may be null. */
    public List<TrainingListener.EpochResult> run(Dataset train, Dataset test, Dataset validation) {
        Backend b = model.backend();
        if (c.augmentation != null && c.augmentation.resizedCrop() > 0) {
            train = train.withRandomCrops(c.augmentation.resizedCrop());
        }
        try (DeviceDataset tr = DeviceDataset.open(b, train, c.dataBudgetMiB);
             DeviceDataset te = test == null ? null : DeviceDataset.open(b, test, c.dataBudgetMiB);
             DeviceDataset va = validation == null ? null : DeviceDataset.open(b, validation, c.dataBudgetMiB)) {
            return run(tr, te, va);
        }
    }

    public List<TrainingListener.EpochResult> run(Dataset train, Dataset test) {
        return run(train, test, null);
    }

    /**
     * Trains to the configured number of epochs (from where a resumed run stopped) and returns
     * each epoch's result. test may be null (a data-parallel replica other than the first,
     * which leaves evaluation to it): the results then hold no evaluation. A loss that turns NaN or infinite stops the run with
     * TrainingDivergedException before anything is saved from it.
     */
    public List<TrainingListener.EpochResult> run(DeviceDataset train, DeviceDataset test, DeviceDataset validation) {
        int steps = train.size() / c.batch, start = 0, saved = -1, current = 1;
        trainer.schedule(c.schedule, (long) c.epochs * steps);
        List<TrainingListener.EpochResult> history = new ArrayList<>();
        try {
            if (c.resume != null) {
                start = TrainingState.resume(c.resume, Checkpoint.read(c.resume), model, optimizer, trainer, train.size()).epoch();
                if (start >= c.epochs) {
                    throw new IllegalArgumentException("cannot resume " + c.resume + ": the run has already trained " + start + " epochs; ask for "
                            + (start + 1) + " or more");
                }
            }
            stopRequested = false;
            c.listeners.forEach(l -> l.start(this));
            prepare(train);
            TrainingListener all = new TrainingListener() {
                @Override
                public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
                    c.listeners.forEach(l -> l.step(epoch, step, stepInEpoch, stepsPerEpoch, loss, accuracy));
                }
            };
            for (int e = start + 1; e <= c.epochs; e++) {
                int epoch = e;
                current = e;
                c.listeners.forEach(l -> l.startEpoch(epoch));
                long e0 = System.nanoTime();
                double trainLoss = trainer.epoch(train, e, all);
                model.backend().finish();
                double secs = (System.nanoTime() - e0) / 1e9;
                Evaluation testEval = test == null ? null : Evaluator.evaluate(model, test, c.evalBatch);
                Evaluation valEval = validation == null ? null : Evaluator.evaluate(model, validation, c.evalBatch);
                TrainingListener.EpochResult r = new TrainingListener.EpochResult(e, trainLoss, trainer.lastEpochAccuracy(), testEval, valEval,
                        secs + (testEval == null ? 0 : testEval.seconds()), steps * c.batch / secs);
                history.add(r);
                c.listeners.forEach(l -> l.epoch(r));
                double testLoss = testEval == null ? 0 : testEval.loss();
                if (!Double.isFinite(trainLoss) || !Double.isFinite(testLoss)) {
                    throw new TrainingDivergedException(trainer.steps(), e, Double.isFinite(trainLoss) ? testLoss : trainLoss, optimizer.learningRate());
                }
                if (c.save != null) { // every epoch: an interrupted run loses at most one, and resume continues it
                    int done = e;
                    // a signal during the save lets it finish: the pair on disk is the old one or the new one
                    Shutdown.critical(() -> {
                        TrainingState.save(c.save, model, optimizer, trainer, done, train.size(), c.classNames, c.normalization, c.metadata);
                        return null;
                    });
                    saved = e;
                }
                if (stopRequested) { // after the save: the epoch that decided it is kept
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Shutdown.StoppedException e) {
            throw new Shutdown.StoppedException("stopped by a signal in epoch " + current + (c.save == null ? "" : saved > 0
                    ? "; " + c.save + " holds epoch " + saved + " (resume from it to go on)" : "; this run saved nothing"));
        }
        return history;
    }

    /**
     * One forward pass at the training batch before the first step, so that the backend's
     * measured choices (a first run on a device measures each convolution shape) are made with
     * listeners told, and the first epoch's images/s counts training alone.
     */
    private void prepare(DeviceDataset train) {
        Backend b = model.backend();
        io.github.clconv.tensor.Shape s = train.data().sample();
        long t0 = System.nanoTime();
        int measured;
        int[] dims = new int[s.dims().length + 1];
        dims[0] = c.batch;
        System.arraycopy(s.dims(), 0, dims, 1, s.dims().length);
        try (io.github.clconv.backend.Buf x = b.zeros(io.github.clconv.tensor.Shape.of(dims))) {
            measured = b.prepare(() -> model.forward(x, false), (index, total, what) -> c.listeners.forEach(l -> l.tuning(index, total, what)));
            b.finish();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (measured > 0) {
            c.listeners.forEach(l -> l.tuned(measured, secs));
        }
    }

    @Override
    public void close() {
        trainer.close();
        optimizer.close();
    }
}
