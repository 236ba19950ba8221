package io.github.clconv.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Ready listeners that watch one metric of each epoch, as Keras's callbacks do:
 * early stopping, keeping the best model, and lowering the learning rate on a plateau.
 * The metric is one of train_loss, train_accuracy, test_loss, test_accuracy, val_loss and
 * val_accuracy; a loss improves downward, an accuracy upward.
 * <pre>
 * Fit.builder(model, config).listener(Callbacks.earlyStopping("val_loss", 3, 0))
 *     .listener(Callbacks.keepBest("val_accuracy", Path.of("best.safetensors")))
 *     .listener(Callbacks.reduceOnPlateau("val_loss", 0.1f, 2));
 * </pre>
 */
public final class Callbacks {
    static final List<String> METRICS = List.of("train_loss", "train_accuracy", "test_loss", "test_accuracy", "val_loss", "val_accuracy");

    private Callbacks() {
    }

    /** The metric's value in r; NaN where the run has no such set (no validation). */
    static double value(String metric, TrainingListener.EpochResult r) {
        return switch (metric) {
            case "train_loss" -> r.trainLoss();
            case "train_accuracy" -> r.trainAccuracy();
            case "test_loss" -> r.test() == null ? Double.NaN : r.test().loss();
            case "test_accuracy" -> r.test() == null ? Double.NaN : r.test().accuracy();
            case "val_loss" -> r.validation() == null ? Double.NaN : r.validation().loss();
            case "val_accuracy" -> r.validation() == null ? Double.NaN : r.validation().accuracy();
            default -> throw new IllegalArgumentException("metric '" + metric + "': expected one of " + String.join(", ", METRICS));
        };
    }

    /** Tracks the best value of a metric and the epochs since it last improved by more than minDelta. */
    private abstract static class Watch implements TrainingListener {
        final String metric;
        final double minDelta;
        final boolean lower;
        double best = Double.NaN;
        int stale;
        Fit fit;

        Watch(String metric, double minDelta) {
            value(metric, new EpochResult(0, 0, 0, null, null, 0, 0)); // an unknown name fails here, when the listener is made
            if (!(minDelta >= 0)) {
                throw new IllegalArgumentException("minDelta must be >= 0, got " + minDelta);
            }
            this.metric = metric;
            this.minDelta = minDelta;
            this.lower = metric.endsWith("loss");
        }

        @Override
        public void start(Fit f) {
            fit = f;
            best = Double.NaN;
            stale = 0;
        }

        @Override
        public void epoch(EpochResult r) {
            double v = value(metric, r);
            if (Double.isNaN(v)) {
                throw new IllegalStateException("the run reports no " + metric + " (no such set); watch another metric");
            }
            boolean better = Double.isNaN(best) || (lower ? v < best - minDelta : v > best + minDelta);
            if (better) {
                best = v;
                stale = 0;
                improved(r);
            } else {
                stale++;
                notImproved(r);
            }
        }

        void improved(EpochResult r) {
        }

        void notImproved(EpochResult r) {
        }
    }

    /** Ends the run once metric has not improved by more than minDelta for patience epochs (after that epoch is saved). */
    public static TrainingListener earlyStopping(String metric, int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        return new Watch(metric, minDelta) {
            @Override
            void notImproved(EpochResult r) {
                if (stale >= patience) {
                    fit.requestStop();
                }
            }
        };
    }

    /** Saves the model to file at every epoch whose metric is the best so far (the run's own checkpoint is the last epoch's). */
    public static TrainingListener keepBest(String metric, Path file) {
        return new Watch(metric, 0) {
            @Override
            void improved(EpochResult r) {
                try {
                    fit.saveModel(file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** Multiplies the learning rate by factor once metric has not improved for patience epochs, then waits patience epochs again. */
    public static TrainingListener reduceOnPlateau(String metric, float factor, int patience) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("factor must lie in (0, 1), got " + factor);
        }
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        return new Watch(metric, 0) {
            @Override
            void notImproved(EpochResult r) {
                if (stale >= patience) {
                    fit.optimizer().scaleBaseLearningRate(factor);
                    stale = 0;
                }
            }
        };
    }
}
