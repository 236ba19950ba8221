package io.github.clconv.train;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/** Fused softmax + cross-entropy over logits [N, classes] with integer labels [N]. */
public final class SoftmaxCrossEntropy implements Loss {
    private final Backend b;
    /** Per batch shape: probs, loss, dlogits; the 4 most recently used shapes are kept (a soak of varying batch sizes stays bounded). */
    private final LinkedHashMap<Shape, Buf[]> buffers = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Shape, Buf[]> eldest) {
            if (size() <= 4) {
                return false;
            }
            for (Buf x : eldest.getValue()) {
                x.close();
            }
            return true;
        }
    };
    private Buf[] current;
    private Buf labels;

    private final float smoothing;

    public SoftmaxCrossEntropy(Backend b) {
        this(b, 0f);
    }

    /** smoothing: label smoothing in [0, 1), as torch's CrossEntropyLoss(label_smoothing=...). */
    public SoftmaxCrossEntropy(Backend b, float smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must lie in [0, 1), got " + smoothing);
        }
        this.b = b;
        this.smoothing = smoothing;
    }

    @Override
    public Buf forward(Buf logits, Buf labels) {
        this.labels = labels;
        current = buffers.computeIfAbsent(logits.shape(), s -> new Buf[]{b.zeros(s), b.zeros(Shape.of(1)), b.zeros(s)});
        b.softmaxXentForward(logits, labels, smoothing, current[0], current[1]);
        return current[1];
    }

    /** The softmax probabilities of the last forward. */
    public Buf probs() {
        return current[0];
    }

    @Override
    public Buf backward() {
        b.softmaxXentBackward(current[0], labels, smoothing, current[2]);
        return current[2];
    }

    @Override
    public void close() {
        buffers.values().forEach(bs -> {
            for (Buf x : bs) {
                x.close();
            }
        });
        buffers.clear();
    }
}
