package io.github.clconv.cli;

import io.github.clconv.train.Evaluation;
import io.github.clconv.train.TrainingListener;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The progress of a training on stderr. On a terminal: one line redrawn in place and fitted
 * to its width (epoch, bar, percentage, step n/N, images/s, running loss, ETA; when narrow,
 * the bar shrinks and fields go, the step count and the ETA last), cleared exactly before
 * each epoch's summary line. Elsewhere (a file, a pipe): a line at each tenth of the epoch or
 * every 30 s, so logs stay short. --progress forces either, or none. It hears of steps when
 * losses are read back (every --log-every steps), and of the measuring a first run on a
 * device does before the first step, shown as its own progress and one summary line.
 */
final class Progress implements TrainingListener, AutoCloseable {
    private static final int BAR_MIN = 10, BAR_MAX = 30;
    private final PrintStream err = System.err;
    private final boolean quiet;
    private final Terminal terminal; // null: lines
    private final int batch, epochs;
    private long epochStart, lastLine;
    private int lastTenth;
    private double runningLoss = Double.NaN;

    /** mode: auto (a bar on a terminal, else lines), bar, lines or none. */
    Progress(int batch, int epochs, String mode) {
        this.batch = batch;
        this.epochs = epochs;
        boolean bar = switch (mode) {
            case "auto" -> stderrIsTerminal();
            case "bar" -> true;
            case "lines", "none" -> false;
            default -> throw new IllegalArgumentException("--progress " + mode + ": expected bar, lines or none");
        };
        quiet = mode.equals("none");
        terminal = bar ? new Terminal() : null;
    }

    /** Lines that open the run: on a terminal each is cut to its width ("..." at the end), elsewhere written whole. */
    void header(List<String> lines) {
        int w = terminal != null ? Terminal.width() - 1 : Integer.MAX_VALUE; // the width only where there is a terminal
        for (String l : lines) {
            err.println(l.length() > w ? l.substring(0, w - 3) + "..." : l);
        }
    }

    @Override
    public void tuning(int index, int total, String what) {
        if (quiet) {
            return;
        }
        String text = String.format(Locale.ROOT, "measuring %d/%d: %s (a first run on this device; kept for the next)", index, total, what);
        if (terminal != null) {
            terminal.draw(Terminal.fit(Terminal.width() - 1, List.of(Terminal.Field.always(String.format(Locale.ROOT, "measuring %d/%d: %s", index, total, what)),
                    new Terminal.Field("(a first run on this device; kept for the next)", 0))));
        } else {
            err.println(text);
        }
    }

    @Override
    public void tuned(int count, double seconds) {
        if (quiet) {
            return;
        }
        if (terminal != null) {
            terminal.clear();
        }
        err.printf(Locale.ROOT, "measured %d convolution shape%s in %.1f s (once per device; not in images/s)%n", count,
                count == 1 ? "" : "s", seconds);
    }

    @Override
    public void startEpoch(int epoch) {
        epochStart = System.nanoTime();
        lastLine = epochStart;
        lastTenth = 0;
        runningLoss = Double.NaN;
    }

    @Override
    public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
        if (quiet) {
            return;
        }
        runningLoss = Double.isNaN(runningLoss) ? loss : 0.9 * runningLoss + 0.1 * loss;
        double secs = (System.nanoTime() - epochStart) / 1e9;
        double ips = stepInEpoch * (double) batch / Math.max(secs, 1e-9);
        double frac = (double) stepInEpoch / stepsPerEpoch;
        if (terminal != null) {
            if (stepInEpoch == stepsPerEpoch) {
                terminal.clear(); // the epoch's summary line comes next, on a clean row
                return;
            }
            terminal.draw(barLine(Terminal.width() - 1, epoch, frac, stepInEpoch, stepsPerEpoch, ips, runningLoss, frac > 0 ? secs * (1 - frac) / frac : 0));
        } else if (stepInEpoch < stepsPerEpoch && ((int) (frac * 10) > lastTenth || System.nanoTime() - lastLine > 30_000_000_000L)) {
            lastTenth = (int) (frac * 10);
            lastLine = System.nanoTime();
            err.printf(Locale.ROOT, "epoch %d: %3.0f%% (step %d/%d), %,.0f img/s, running loss %.4f%n", epoch, 100 * frac, stepInEpoch, stepsPerEpoch, ips, runningLoss);
        }
        err.flush();
    }

    /** The live line in at most width columns; the bar takes what the other fields leave, between BAR_MIN and BAR_MAX. */
    static String barLine(int width, int epoch, double frac, int step, int steps, double ips, double loss, double etaSeconds) {
        String pct = String.format(Locale.ROOT, "%3.0f%%", 100 * frac);
        List<Terminal.Field> fields = new ArrayList<>(List.of(Terminal.Field.always("epoch " + epoch), new Terminal.Field(pct, 2),
                Terminal.Field.always("step " + step + "/" + steps), new Terminal.Field(String.format(Locale.ROOT, "%,.0f img/s", ips), 3),
                new Terminal.Field(String.format(Locale.ROOT, "loss %.4f", loss), 1), Terminal.Field.always("ETA " + eta(etaSeconds))));
        String rest = Terminal.fit(width, fields);
        int room = width - rest.length() - 2 - 2; // two spaces and the brackets
        if (room >= BAR_MIN) {
            int w = Math.min(BAR_MAX, room), filled = (int) Math.round(frac * w);
            fields.add(1, new Terminal.Field("[" + "=".repeat(filled) + " ".repeat(w - filled) + "]", 0));
            return Terminal.fit(width, fields);
        }
        return rest;
    }

    /** The line that ends an epoch: in full where it fits (and always in a log), shorter on a narrow terminal. */
    String epochLine(EpochResult r) {
        Evaluation t = r.test(), v = r.validation();
        String full = String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f  test loss %.4f  test accuracy %.4f%s  %.1f s (%,.0f img/s)", r.epoch(), epochs,
                r.trainLoss(), t.loss(), t.accuracy(), v == null ? "" : String.format(Locale.ROOT, "  val loss %.4f  val accuracy %.4f", v.loss(), v.accuracy()),
                r.seconds(), r.trainImagesPerSec());
        if (terminal == null || full.length() <= Terminal.width() - 1) {
            return full;
        }
        List<Terminal.Field> fields = new ArrayList<>(List.of(Terminal.Field.always(String.format(Locale.ROOT, "epoch %d/%d", r.epoch(), epochs)),
                Terminal.Field.always(String.format(Locale.ROOT, "loss %.4f", r.trainLoss())),
                Terminal.Field.always(String.format(Locale.ROOT, "test %.4f acc %.4f", t.loss(), t.accuracy()))));
        if (v != null) {
            fields.add(new Terminal.Field(String.format(Locale.ROOT, "val %.4f acc %.4f", v.loss(), v.accuracy()), 0));
        }
        fields.add(new Terminal.Field(String.format(Locale.ROOT, "%.1f s", r.seconds()), 2));
        fields.add(new Terminal.Field(String.format(Locale.ROOT, "%,.0f img/s", r.trainImagesPerSec()), 1));
        return Terminal.fit(Terminal.width() - 1, fields);
    }

    static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (terminal != null) {
            terminal.close();
        }
    }

    /**
     * Whether stderr, where the bar goes, is a terminal: System.console() asks about stdin
     * and stdout, so `clconv train > result.json` (the way to keep the JSON) lost the bar.
     */
    static boolean stderrIsTerminal() {
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null; // not Linux: the old guess
        }
    }
}
