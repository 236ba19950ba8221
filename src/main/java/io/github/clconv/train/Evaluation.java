package io.github.clconv.train;

/**
 * Loss and accuracy of a model on a dataset, with the inference speed; top5 is the share
 * of images whose label is among the five most probable classes (all of them when there are
 * at most five); perClass[c] = {images of class c, of them predicted as c}; and
 * confusion[label][predicted] counts images, kept only up to CONFUSION_LIMIT classes (null
 * above: 20,000 classes made a 1.6 GB matrix at every evaluation).
 */
public record Evaluation(double loss, double accuracy, int images, double seconds, double top5, int[][] perClass, int[][] confusion) {
    /** The most classes for which a confusion matrix is kept (a 1,000-class one is 4 MB). */
    public static final int CONFUSION_LIMIT = 1000;

    /** Per class: the share of its images predicted as it (NaN for a class with none). */
    public double[] perClassAccuracy() {
        double[] out = new double[perClass.length];
        for (int c = 0; c < perClass.length; c++) {
            out[c] = perClass[c][0] == 0 ? Double.NaN : (double) perClass[c][1] / perClass[c][0];
        }
        return out;
    }

    public double imagesPerSec() {
        return images / Math.max(seconds, 1e-9);
    }
}
