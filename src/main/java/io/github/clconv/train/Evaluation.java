package io.github.clconv.train;

/**
 * Loss and accuracy of a model on a dataset, with the inference speed; top5 is the share
 * of images whose label is among the five most probable classes (all of them when there are
 * at most five), and confusion[label][predicted] counts images.
 */
public record Evaluation(double loss, double accuracy, int images, double seconds, double top5, int[][] confusion) {
    /** Per class: the share of its images predicted as it (NaN for a class with none). */
    public double[] perClassAccuracy() {
        double[] out = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            long total = 0;
            for (int v : confusion[c]) {
                total += v;
            }
            out[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return out;
    }

    public double imagesPerSec() {
        return images / Math.max(seconds, 1e-9);
    }
}
