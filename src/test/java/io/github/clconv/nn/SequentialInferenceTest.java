package io.github.clconv.nn;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Inference pools before a ReLU that precedes a max pool; the result must not change at all. */
class SequentialInferenceTest {
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
}
