package io.github.clconv.cli;

import io.github.clconv.train.TrainingListener;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * --metrics F: CSV with a header when F ends in .csv (the columns CSV_COLUMNS, a cell empty
 * where a row has no such figure), else JSON lines, one per logged step {"type": "step", "epoch", "step", "loss"
 * (the mean since the previous step record), "lr", "time" (seconds since the start)} and
 * one per epoch {"type": "epoch", "epoch", "train_loss", "test_loss", "test_accuracy",
 * "seconds", "time"} (plus validation figures with --val-split). Also keeps the series
 * that --plot draws.
 */
final class MetricsFile implements TrainingListener, AutoCloseable {
    private final Writer out;
    private final Path file;
    private boolean failed;
    final List<double[]> steps = new ArrayList<>(); // {step, loss, accuracy}
    final List<EpochResult> epochs = new ArrayList<>();

    private final long start = System.nanoTime();
    private final java.util.function.DoubleSupplier lr;

    /** The columns of a .csv metrics file: step and epoch rows in one table, as Lightning's CSVLogger writes it. */
    static final List<String> CSV_COLUMNS = List.of("type", "epoch", "step", "loss", "accuracy", "lr", "train_loss", "train_accuracy", "test_loss", "test_accuracy",
            "val_loss", "val_accuracy", "seconds", "time");
    private final boolean csv;

    MetricsFile(Path file, java.util.function.DoubleSupplier lr) throws IOException {
        this.file = file;
        this.lr = lr;
        this.csv = file != null && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv");
        out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        if (csv) {
            out.write(String.join(",", CSV_COLUMNS) + "\n");
            out.flush();
        }
    }

    @Override
    public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss, double accuracy) {
        steps.add(new double[]{step, loss, accuracy});
        write(new Json().put("type", "step").put("epoch", epoch).put("step", step).put("loss", loss).put("accuracy", accuracy).put("lr", lr.getAsDouble())
                .put("time", seconds()));
    }

    @Override
    public void epoch(EpochResult r) {
        epochs.add(r);
        Json j = new Json().put("type", "epoch").put("epoch", r.epoch()).put("train_loss", r.trainLoss()).put("train_accuracy", r.trainAccuracy())
                .put("test_loss", r.test().loss())
                .put("test_accuracy", r.test().accuracy()).put("seconds", r.seconds()).put("time", seconds());
        if (r.validation() != null) {
            j.put("val_loss", r.validation().loss()).put("val_accuracy", r.validation().accuracy());
        }
        write(j);
    }

    private static String csvRow(Json j) {
        List<String> cells = new ArrayList<>();
        for (String k : CSV_COLUMNS) {
            cells.add(j.cell(k));
        }
        return String.join(",", cells);
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void write(Json j) {
        if (out == null) {
            return;
        }
        if (failed) {
            return;
        }
        try {
            out.write((csv ? csvRow(j) : j.toString()) + "\n");
            out.flush();
        } catch (IOException e) {
            // a full disk must not cost the training run: say so once and keep training
            failed = true;
            System.err.println("warning: --metrics " + file + ": cannot write (" + e.getMessage() + "); training goes on without it");
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
