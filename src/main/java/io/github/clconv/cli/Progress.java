package io.github.clconv.cli;

import io.github.clconv.train.TrainingListener;

import java.io.PrintStream;

/**
 * The progress of an epoch on stderr: a bar redrawn in place on a terminal, or a line
 * at each quarter when stderr is a file or a pipe (so logs stay short).
 */
final class Progress implements TrainingListener {
    private static final int WIDTH = 30;
    private final PrintStream err = System.err;
    private final boolean terminal = System.console() != null;
    private final int batch;
    private long epochStart;
    private int lastQuarter;
    private double runningLoss = Double.NaN;

    Progress(int batch) {
        this.batch = batch;
    }

    void startEpoch() {
        epochStart = System.nanoTime();
        lastQuarter = 0;
        runningLoss = Double.NaN;
    }

    @Override
    public void step(int epoch, int step, int stepInEpoch, int stepsPerEpoch, double loss) {
        runningLoss = Double.isNaN(runningLoss) ? loss : 0.9 * runningLoss + 0.1 * loss;
        double secs = (System.nanoTime() - epochStart) / 1e9;
        double ips = stepInEpoch * (double) batch / Math.max(secs, 1e-9);
        double frac = (double) stepInEpoch / stepsPerEpoch;
        if (terminal) {
            int filled = (int) Math.round(frac * WIDTH);
            err.printf("\repoch %d [%s%s] %3.0f%% %,8.0f img/s  loss %.4f ", epoch, "=".repeat(filled), " ".repeat(WIDTH - filled), 100 * frac, ips, runningLoss);
            if (stepInEpoch == stepsPerEpoch) {
                err.print("\r" + " ".repeat(WIDTH + 60) + "\r");
            }
        } else if ((int) (frac * 4) > lastQuarter && stepInEpoch < stepsPerEpoch) {
            lastQuarter = (int) (frac * 4);
            err.printf("epoch %d: %3.0f%% (step %d/%d), %,.0f img/s, running loss %.4f%n", epoch, 100 * frac, stepInEpoch, stepsPerEpoch, ips, runningLoss);
        }
        err.flush();
    }
}
