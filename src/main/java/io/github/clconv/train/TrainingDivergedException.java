package io.github.clconv.train;

/** The loss turned NaN or infinite; nothing is saved from such a state. */
public final class TrainingDivergedException extends IllegalStateException {
    public TrainingDivergedException(int step, int epoch, double loss, float lr) {
        super("the loss became " + loss + " at step " + step + " (epoch " + epoch + "); training stopped and nothing was saved. "
                + "Try a smaller learning rate, e.g. " + lr / 10 + ".");
    }
}
