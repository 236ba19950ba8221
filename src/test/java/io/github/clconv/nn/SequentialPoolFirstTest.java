package io.github.clconv.nn;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** A max pool runs before the ReLU that precedes it; outputs and gradients must not change at all. */
class SequentialPoolFirstTest {
    static final long SEED = 31L;

    @Test
    void poolingBeforeReluGivesTheLayerOrderResultExactly() {
        for (Backend b : new Backend[]{TestDevices.cl(), new ReferenceBackend()}) {
            String spec = "conv(6,3,p=1)-relu-maxpool(2)-conv(4,3)-relu-maxpool(2,s=1)-flatten-linear(5)-relu";
            Shape in = Shape.of(3, 11, 9);
            Random rnd = new Random(SEED);
            float[] v = new float[4 * in.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            try (Sequential m = Sequential.of(ModelSpec.parse(spec), in, b, SEED); Buf x = b.upload(Shape.of(4, 3, 11, 9), v)) {
                float[] swapped = b.download(m.forward(x, false));
                Buf h = x;
                for (Layer l : m.layers()) {
                    h = l.forward(h, false);
                }
                assertArrayEquals(b.download(h), swapped, b.name() + " (seed " + SEED + ")");
            }
        }
    }

    /** Training: the same loss gradient through both orders gives the same parameter gradients, bit for bit. */
    @Test
    void trainingGradientsAreTheLayerOrderGradientsExactly() {
        for (Backend b : new Backend[]{TestDevices.cl(), new ReferenceBackend()}) {
            String spec = "conv(5,3)-relu-maxpool(2)-conv(4,2)-relu-maxpool(3,s=2)-flatten-linear(3)";
            Shape in = Shape.of(2, 12, 12);
            Random rnd = new Random(SEED);
            float[] v = new float[3 * in.size()], g = new float[3 * 3];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) rnd.nextGaussian();
            }
            try (Sequential m = Sequential.of(ModelSpec.parse(spec), in, b, SEED); Buf x = b.upload(Shape.of(3, 2, 12, 12), v);
                 Buf dy = b.upload(Shape.of(3, 3), g)) {
                float[] y1 = b.download(m.forward(x, true));
                m.backward(dy);
                float[][] grads1 = grads(b, m);
                Buf h = x;
                for (Layer l : m.layers()) {
                    h = l.forward(h, true);
                }
                float[] y2 = b.download(h);
                Buf d = dy;
                for (int i = m.layers().size() - 1; i >= 0; i--) {
                    d = m.layers().get(i).backward(d, i > 0);
                }
                assertArrayEquals(y2, y1, b.name() + " output (seed " + SEED + ")");
                float[][] grads2 = grads(b, m);
                for (int i = 0; i < grads1.length; i++) {
                    assertArrayEquals(grads2[i], grads1[i], b.name() + " gradient " + i + " (seed " + SEED + ")");
                }
            }
        }
    }

    private static float[][] grads(Backend b, Sequential m) {
        return m.params().stream().map(io.github.clconv.nn.NamedParam::param).filter(Param::trainable).map(p -> b.download(p.grad())).toArray(float[][]::new);
    }
}
