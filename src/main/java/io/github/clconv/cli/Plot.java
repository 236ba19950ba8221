package io.github.clconv.cli;

import io.github.clconv.util.AtomicFiles;

import io.github.clconv.train.TrainingListener.EpochResult;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** --plot F.png: step losses and per-epoch losses on the left, accuracy on the right (Java2D, headless). */
final class Plot {
    private static final int W = 1000, H = 420, M = 50;

    private Plot() {
    }

    static void write(Path file, List<double[]> steps, List<EpochResult> epochs, int stepsPerEpoch) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int half = W / 2;
        double maxStep = Math.max(1, steps.isEmpty() ? 1 : steps.get(steps.size() - 1)[0]);
        double maxLoss = 0;
        for (double[] s : steps) {
            maxLoss = Math.max(maxLoss, s[1]);
        }
        for (EpochResult e : epochs) {
            maxLoss = Math.max(maxLoss, Math.max(e.trainLoss(), e.test().loss()));
        }
        maxLoss = maxLoss > 0 ? maxLoss * 1.05 : 1;
        axes(g, 0, "loss (blue: steps, red: test per epoch, black: train per epoch)", "step", maxStep, maxLoss);
        g.setColor(new Color(70, 120, 220));
        polyline(g, 0, steps.stream().map(s -> new double[]{s[0], s[1]}).toList(), maxStep, maxLoss);
        g.setColor(Color.BLACK);
        polyline(g, 0, epochs.stream().map(e -> new double[]{e.epoch() * (double) stepsPerEpoch, e.trainLoss()}).toList(), maxStep, maxLoss);
        g.setColor(new Color(210, 50, 50));
        polyline(g, 0, epochs.stream().map(e -> new double[]{e.epoch() * (double) stepsPerEpoch, e.test().loss()}).toList(), maxStep, maxLoss);
        double maxEpoch = Math.max(1, epochs.size());
        axes(g, half, "test accuracy per epoch", "epoch", maxEpoch, 1.0);
        g.setColor(new Color(210, 50, 50));
        polyline(g, half, epochs.stream().map(e -> new double[]{e.epoch(), e.test().accuracy()}).toList(), maxEpoch, 1.0);
        g.dispose();
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer in this Java runtime");
            }
        });
    }

    private static void axes(Graphics2D g, int x0, String title, String xLabel, double xMax, double yMax) {
        g.setColor(Color.BLACK);
        g.drawString(title, x0 + M, M - 20);
        g.drawLine(x0 + M, H - M, x0 + W / 2 - 20, H - M);
        g.drawLine(x0 + M, M, x0 + M, H - M);
        g.drawString(xLabel + " (max " + fmt(xMax) + ")", x0 + W / 4 - 30, H - 15);
        for (int i = 0; i <= 4; i++) {
            double v = yMax * i / 4;
            int y = (int) (H - M - (H - 2.0 * M) * i / 4);
            g.drawString(fmt(v), x0 + 5, y + 4);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(x0 + M + 1, y, x0 + W / 2 - 20, y);
            g.setColor(Color.BLACK);
        }
    }

    private static void polyline(Graphics2D g, int x0, List<double[]> pts, double xMax, double yMax) {
        g.setStroke(new BasicStroke(1.6f));
        int plotW = W / 2 - 20 - M, plotH = H - 2 * M;
        int[] prev = null;
        for (double[] p : pts) {
            int[] q = {x0 + M + (int) (plotW * p[0] / xMax), H - M - (int) (plotH * Math.min(p[1], yMax) / yMax)};
            if (prev != null) {
                g.drawLine(prev[0], prev[1], q[0], q[1]);
            }
            g.fillOval(q[0] - 2, q[1] - 2, 4, 4);
            prev = q;
        }
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }
}
