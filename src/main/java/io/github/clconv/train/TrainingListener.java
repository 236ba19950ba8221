package io.github.clconv.train;

/** Progress of a training run (Fit calls every method; Trainer.epoch only step): epochs starting, step losses as they are read back, each finished epoch. */
public interface TrainingListener {
    /** Before the first step of an epoch (counting from 1). */
    /** When the run starts: the listener may keep fit to act on it (stop it, save its model, scale its learning rate). */
    default void start(Fit fit) {
    }

    /** Before the first step: the backend measures the index-th of total choices it needs (a convolution algorithm for a layer shape). */
    default void tuning(int index, int total, String what) {
    }

    /** Before the first step: count choices were measured in seconds (not counted in any epoch's time); not called when none was. */
    default void tuned(int count, double seconds) {
    }

    default void startEpoch(int epoch) {
    }

    /** step counts from 1 across epochs; loss is the mean batch loss since the last call. */
    default void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
    }

    /** As step(...), with the training accuracy over the same steps; by default it passes the loss on alone. */
    default void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
        step(epoch, step, stepInEpoch, stepsPerEpoch, loss);
    }

    default void epoch(EpochResult r) {
    }

    /** trainAccuracy: see Trainer.lastEpochAccuracy. */
    record EpochResult(int epoch, double trainLoss, double trainAccuracy, Evaluation test, Evaluation validation, double seconds,
                       double trainImagesPerSec) {
    }
}
