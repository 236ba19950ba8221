package io.github.clconv.cli;

import io.github.clconv.train.TrainingListener.EpochResult;
import io.github.clconv.util.AtomicFiles;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.nio.file.Path;

/**
 * --plot F.png|F.svg: loss on the left (each read-back's mean step loss, and per epoch the
 * training, validation and test loss), accuracy on the right (validation and test per
 * epoch), both against epochs, with axis labels, a legend and auto-scaled axes (JFreeChart;
 * SVG through JFreeSVG).
 */
final class Plot {
    private static final int W = 1100, H = 440;

    private Plot() {
    }

    static void write(Path file, List<double[]> steps, List<EpochResult> epochs, int stepsPerEpoch) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries stepLoss = new XYSeries("train (steps)"), trainLoss = new XYSeries("train"), valLoss = new XYSeries("validation"),
                testLoss = new XYSeries("test"), valAcc = new XYSeries("validation"), testAcc = new XYSeries("test"),
                stepAcc = new XYSeries("train (steps)"), trainAcc = new XYSeries("train");
        for (double[] s : steps) { // per read-back, so that a one-epoch run has a curve, not a point
            stepLoss.add(s[0] / Math.max(1, stepsPerEpoch), s[1]);
            if (s.length > 2 && Double.isFinite(s[2])) {
                stepAcc.add(s[0] / Math.max(1, stepsPerEpoch), s[2]);
            }
        }
        for (EpochResult e : epochs) {
            trainLoss.add(e.epoch(), e.trainLoss());
            if (Double.isFinite(e.trainAccuracy())) {
                trainAcc.add(e.epoch(), e.trainAccuracy());
            }
            if (e.test() != null) {
                testLoss.add(e.epoch(), e.test().loss());
                testAcc.add(e.epoch(), e.test().accuracy());
            }
            if (e.validation() != null) {
                valLoss.add(e.epoch(), e.validation().loss());
                valAcc.add(e.epoch(), e.validation().accuracy());
            }
        }
        JFreeChart loss = chart("Loss", "loss", List.of(stepLoss, trainLoss, valLoss, testLoss));
        JFreeChart acc = chart("Accuracy", "accuracy", List.of(stepAcc, trainAcc, valAcc, testAcc));
        boolean svg = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".svg");
        if (svg) {
            SVGGraphics2D g = new SVGGraphics2D(W, H);
            draw(g, loss, acc);
            // a viewBox lets the chart scale to the page or window that shows it
            String svgElement = g.getSVGElement(null, true, new org.jfree.svg.ViewBox(0, 0, W, H), null, null);
            byte[] doc = ("<?xml version=\"1.0\"?>\n" + svgElement + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(file, out -> out.write(doc));
            return;
        }
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        draw(g, loss, acc);
        g.dispose();
        AtomicFiles.write(file, out -> ImageIO.write(img, "png", out));
    }

    private static void draw(Graphics2D g, JFreeChart left, JFreeChart right) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        left.draw(g, new Rectangle2D.Double(0, 0, W / 2.0, H));
        right.draw(g, new Rectangle2D.Double(W / 2.0, 0, W / 2.0, H));
    }

    private static final java.util.Map<String, Color> COLOURS = java.util.Map.of("train (steps)", new Color(170, 190, 230), "train", new Color(30, 80, 200),
            "validation", new Color(230, 120, 0), "test", new Color(0, 140, 60));

    /** Step losses as a plain line, per-epoch figures with a marker at each epoch; one colour per set across both charts. */
    private static JFreeChart chart(String title, String yLabel, List<XYSeries> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.stream().filter(s -> s.getItemCount() > 0).forEach(data::addSeries);
        JFreeChart c = ChartFactory.createXYLineChart(title, "epoch", yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        c.setBackgroundPaint(Color.WHITE);
        XYPlot p = c.getXYPlot();
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis) p.getRangeAxis()).setAutoRangeIncludesZero(false);
        for (NumberAxis axis : new NumberAxis[]{(NumberAxis) p.getRangeAxis(), (NumberAxis) p.getDomainAxis()}) {
            axis.setStandardTickUnits(NumberAxis.createStandardTickUnits(java.util.Locale.ROOT)); // 0.75, not 0,75, in any locale
        }
        // a single point made a range of nothing, ticked 7.542E-1 ten times: at least a hundredth of loss or accuracy, one epoch
        ((NumberAxis) p.getRangeAxis()).setAutoRangeMinimumSize(0.01);
        ((NumberAxis) p.getDomainAxis()).setAutoRangeMinimumSize(1);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        for (int i = 0; i < data.getSeriesCount(); i++) {
            String key = String.valueOf(data.getSeriesKey(i));
            r.setSeriesShapesVisible(i, !key.equals("train (steps)"));
            r.setSeriesLinesVisible(i, true);
            r.setSeriesPaint(i, COLOURS.get(key));
            r.setSeriesStroke(i, new java.awt.BasicStroke(key.equals("train (steps)") ? 1f : 2f));
        }
        p.setRenderer(r);
        return c;
    }
}
