package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.data.DeviceDataset;
import io.github.clconv.nn.Model;
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
        int classes = model.output().size();
        batch = Math.min(batch, n); // --eval-batch 2147483647 is a valid wish for one batch
        // probabilities come back once per chunk of rows, at most CHUNK_FLOATS at a time, whatever n x classes is
        int chunkRows = (int) Math.max(batch, Math.min(n, CHUNK_FLOATS / classes / batch * batch));
        double lossSum = 0;
        long correct = 0, inTop5 = 0;
        int[][] perClass = new int[classes][2];
        int[][] confusion = classes <= Evaluation.CONFUSION_LIMIT ? new int[classes][classes] : null;
        int[] labels = data.data().labels();
        int batches = (int) ((n + (long) batch - 1) / batch);
        // Every batch of a chunk is queued without a wait: losses and probabilities collect on the
        // device and come back in one read per chunk, so the device never idles between batches.
        try (DeviceDataset.Pass pass = data.pass(io.github.clconv.data.Permutation.identity(n)); SoftmaxCrossEntropy xent = new SoftmaxCrossEntropy(b);
             Buf losses = b.zeros(Shape.of(batches)); Buf probs = b.zeros(Shape.of(chunkRows, classes))) {
            Buf[] full = null, tail = null;
            try {
                int i = 0;
                for (int from = 0; from < n; from += chunkRows) {
                    int rows = Math.min(chunkRows, n - from);
                    for (int start = from; start < from + rows; start += batch, i++) {
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
                        b.copyRange(xent.probs(), 0, probs, (start - from) * classes, m * classes);
                    }
                    float[] p = b.download(probs);
                    for (int r = 0; r < rows; r++) {
                        int label = labels[from + r], predicted = argmax(p, r * classes, classes);
                        perClass[label][0]++;
                        perClass[label][1] += predicted == label ? 1 : 0;
                        correct += predicted == label ? 1 : 0;
                        if (confusion != null) {
                            confusion[label][predicted]++;
                        }
                        int above = 0; // classes strictly more probable than the label (ties count for it, as for top-1's first maximum)
                        for (int c = 0; c < classes; c++) {
                            above += p[r * classes + c] > p[r * classes + label] ? 1 : 0;
                        }
                        inTop5 += above < 5 ? 1 : 0;
                    }
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
                lossSum += (double) l[i] * Math.min(batch, n - (long) i * batch);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Evaluation(lossSum / n, (double) correct / n, n, seconds, (double) inTop5 / n, perClass, confusion);
    }

    /** The most probabilities held at once on the host and the device (64 MB). */
    static final long CHUNK_FLOATS = 16L << 20;

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
