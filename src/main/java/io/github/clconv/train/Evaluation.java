package io.github.clconv.train;

/** Loss and accuracy of a model on a dataset, with the inference speed. */
public record Evaluation(double loss, double accuracy, int images, double seconds) {
    public double imagesPerSec() {
        return images / Math.max(seconds, 1e-9);
    }
}
