package io.github.clconv.train;

/** Progress of a training run: step losses as they are read back, and each finished epoch. */
public interface TrainingListener {
    /** step counts from 1 across epochs; loss is that step's batch loss. */
    default void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
    }

    default void epoch(EpochResult r) {
    }

    record EpochResult(int epoch, double trainLoss, Evaluation test, Evaluation validation, double seconds, double trainImagesPerSec) {
    }
}
