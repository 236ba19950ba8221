package io.github.clconv.cli;

import io.github.clconv.train.TrainingListener;

import java.io.PrintStream;

/**
 * The progress of an epoch on stderr: a bar redrawn in place when stderr is a terminal
 * (step n/N, images/s, running loss, ETA), or a line at each tenth of the epoch or every
 * 30 s when stderr is a file or a pipe (so logs stay short); --progress forces either, or
 * none. It is told of steps when losses are read back (every --log-every steps).
 */
final class Progress implements TrainingListener {
    private static final int WIDTH = 30;
    private final PrintStream err = System.err;
    private final boolean terminal, quiet;
    private final int batch;
    private long epochStart, lastLine;
    private int lastTenth;
    private double runningLoss = Double.NaN;

    Progress(int batch) {
        this(batch, "auto");
    }

    /** mode: auto (a bar on a terminal, else lines), bar, lines or none. */
    Progress(int batch, String mode) {
        this.batch = batch;
        switch (mode) {
            case "auto" -> {
                terminal = stderrIsTerminal();
                quiet = false;
            }
            case "bar" -> {
                terminal = true;
                quiet = false;
            }
            case "lines" -> {
                terminal = false;
                quiet = false;
            }
            case "none" -> {
                terminal = false;
                quiet = true;
            }
            default -> throw new IllegalArgumentException("--progress " + mode + ": expected bar, lines or none");
        }
    }

    void startEpoch() {
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
        if (terminal) {
            int filled = (int) Math.round(frac * WIDTH);
            double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
            err.printf(java.util.Locale.ROOT, "\repoch %d [%s%s] %3.0f%% step %d/%d %,8.0f img/s  loss %.4f  ETA %s ", epoch, "=".repeat(filled),
                    " ".repeat(WIDTH - filled), 100 * frac, stepInEpoch, stepsPerEpoch, ips, runningLoss, eta(eta));
            if (stepInEpoch == stepsPerEpoch) {
                err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
            }
        } else if (stepInEpoch < stepsPerEpoch && ((int) (frac * 10) > lastTenth || System.nanoTime() - lastLine > 30_000_000_000L)) {
            lastTenth = (int) (frac * 10);
            lastLine = System.nanoTime();
            err.printf(java.util.Locale.ROOT, "epoch %d: %3.0f%% (step %d/%d), %,.0f img/s, running loss %.4f%n", epoch, 100 * frac, stepInEpoch, stepsPerEpoch, ips, runningLoss);
        }
        err.flush();
    }

    private static String eta(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(java.util.Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format(java.util.Locale.ROOT, "%d:%02d", s / 60, s % 60);
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
