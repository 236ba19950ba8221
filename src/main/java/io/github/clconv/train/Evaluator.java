package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.NamedParam;
import io.github.clconv.tensor.Shape;

/** Loss and accuracy of a model in inference mode, in batches (the last one may be shorter). */
public final class Evaluator {
    private Evaluator() {
    }

    public static Evaluation evaluate(Model model, DeviceDataset data, int batch) {
        Backend b = model.backend();
        int n = data.size();
        Shape sample = data.data().sample();
        long t0 = System.nanoTime();
        int batches = (n + batch - 1) / batch, classes = model.output().size();
        double lossSum = 0;
        int correct;
        int[][] confusion;
        double top5;
        // Every batch is queued without a wait: losses and probabilities collect on the device
        // and come back in one read at the end, so the device never idles between batches.
        try (DeviceDataset.Pass pass = data.pass(io.github.clconv.data.Permutation.identity(n)); SoftmaxCrossEntropy xent = new SoftmaxCrossEntropy(b);
             Buf losses = b.zeros(Shape.of(batches)); Buf probs = b.zeros(Shape.of(n, classes))) {
            Buf[] full = null, tail = null;
            try {
                for (int start = 0, i = 0; start < n; start += batch, i++) {
                    int m = Math.min(batch, n - start);
                    Buf[] xy;
                    if (m == batch) {
                        xy = full = full != null ? full : batchBuffers(b, m, sample);
                    } else {
                        xy = tail = batchBuffers(b, m, sample);
                    }
                    pass.batch(start, xy[0], xy[1]);
                    Buf logits = model.forward(xy[0], false);
                    b.copyRange(xent.forward(logits, xy[1]), 0, losses, i, 1);
                    b.copyRange(xent.probs(), 0, probs, start * classes, m * classes);
                }
            } finally {
                for (Buf[] xy : new Buf[][]{full, tail}) {
                    if (xy != null) {
                        xy[0].close();
                        xy[1].close();
                    }
                }
            }
            float[] l = b.download(losses);
            for (int i = 0; i < batches; i++) {
                lossSum += (double) l[i] * Math.min(batch, n - i * batch);
            }
            float[] p = b.download(probs);
            int[] labels = data.data().labels();
            correct = correct(p, labels, 0, n);
            confusion = new int[classes][classes];
            int inTop5 = 0;
            for (int r = 0; r < n; r++) {
                int label = labels[r];
                confusion[label][argmax(p, r * classes, classes)]++;
                int above = 0; // classes strictly more probable than the label (ties count for it, as for top-1's first maximum)
                for (int c = 0; c < classes; c++) {
                    above += p[r * classes + c] > p[r * classes + label] ? 1 : 0;
                }
                inTop5 += above < 5 ? 1 : 0;
            }
            top5 = (double) inTop5 / n;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Evaluation(lossSum / n, (double) correct / n, n, seconds, top5, confusion);
    }

    private static Buf[] batchBuffers(Backend b, int m, Shape sample) {
        return new Buf[]{b.zeros(Shape.of(m, sample.dim(0), sample.dim(1), sample.dim(2))), b.zeros(Shape.of(m))};
    }

    /** Rows whose largest probability is at the label (the first of equal maxima). */
    static int correct(float[] probs, int[] labels, int start, int m) {
        int classes = probs.length / m, hits = 0;
        for (int r = 0; r < m; r++) {
            if (argmax(probs, r * classes, classes) == labels[start + r]) {
                hits++;
            }
        }
        return hits;
    }

    public static int argmax(float[] v, int from, int count) {
        int best = 0;
        for (int c = 1; c < count; c++) {
            if (v[from + c] > v[from + best]) {
                best = c;
            }
        }
        return best;
    }
}
