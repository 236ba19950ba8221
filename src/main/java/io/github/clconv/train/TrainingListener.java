package io.github.clconv.train;

/** Progress of a training run (Fit calls every method; Trainer.epoch only step): epochs starting, step losses as they are read back, each finished epoch. */
public interface TrainingListener {
    /** Before the first step of an epoch (counting from 1). */
    default void startEpoch(int epoch) {
    }

    /** step counts from 1 across epochs; loss is the mean batch loss since the last call. */
    default void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
    }

    default void epoch(EpochResult r) {
    }

    record EpochResult(int epoch, double trainLoss, Evaluation test, Evaluation validation, double seconds, double trainImagesPerSec) {
    }
}
