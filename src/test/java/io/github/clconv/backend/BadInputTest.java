package io.github.clconv.backend;

import io.github.clconv.TestDevices;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.PoolGeom;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each argument rule, on both backends: an IllegalArgumentException naming the op and the rule. */
class BadInputTest {
    static void rejects(Executable call, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String m : mustMention) {
            assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should mention '" + m + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void rules(String which) {
        Backend b = KnownValuesTest.backend(which);
        int before = b.liveBuffers();
        ConvGeom g = new ConvGeom(2, 3, 8, 8, 4, 3, 3, 1, 0);
        try (Buf x = b.zeros(g.input()); Buf wrongW = b.zeros(Shape.of(4, 2, 3, 3)); Buf y = b.zeros(g.output());
             Buf v = b.zeros(Shape.of(5)); Buf v6 = b.zeros(Shape.of(6)); Buf logits = b.zeros(Shape.of(2, 3));
             Buf labels = b.zeros(Shape.of(3)); Buf probs = b.zeros(Shape.of(2, 3)); Buf loss = b.zeros(Shape.of(1))) {
            rejects(() -> b.conv2dForward(x, wrongW, null, g, y), "conv2d", "weight", "[4,2,3,3]", "[4,3,3,3]");
            rejects(() -> b.gemm(false, false, 1f, logits, probs, 0f, probs), "gemm", "inner dimensions");
            rejects(() -> b.activationForward(Activation.RELU, 0f, v, v6), "relu", "[5]", "[6]");
            rejects(() -> b.softmaxXentForward(logits, labels, probs, loss), "softmax_xent", "labels", "[3]", "[2]");
            rejects(() -> b.uploadLabels(new int[]{0, 3}, 3), "label 3", "out of range");
            rejects(() -> b.uploadLabels(new int[]{-1}, 3), "label -1", "out of range");
            rejects(() -> b.sgdUpdate(v, v, v, Float.NaN, 0.9f, 0f, false), "sgd", "learning rate", "finite");
            rejects(() -> b.adamUpdate(v, v, v, v, 0.01f, Float.NaN, 0.999f, 1e-8f, 0f, false, 1), "adam", "beta1");
            rejects(() -> b.dropoutForward(v, Float.NaN, 1L, v, v), "dropout", "p");
            rejects(() -> b.dropoutForward(v, 1f, 1L, v, v), "dropout", "[0, 1)");
            rejects(() -> b.activationForward(Activation.LEAKY_RELU, Float.NaN, v, v), "leaky_relu", "alpha");
            rejects(() -> b.batchNormTrainForward(logits, v, v, v, v, 0.1f, 1e-5f, logits, v, v), "batchnorm", "[5]", "[3]");
            rejects(() -> b.fill(v, Float.NaN), "fill", "value");
        }
        assertEquals(before, b.liveBuffers(), "buffers are released");
    }

    /** An index outside the source: the reference says so, the device (which cannot see it without a wait) writes NaN, never reads outside. */
    @ParameterizedTest
    @ValueSource(strings = {"device", "reference"})
    void gatherOutOfRange(String which) {
        Backend b = KnownValuesTest.backend(which);
        try (Buf src = b.upload(Shape.of(3, 2), new float[]{1, 2, 3, 4, 5, 6}); Buf idx = b.upload(Shape.of(3), new float[]{2, 7, -1});
             Buf dst = b.zeros(Shape.of(3, 2))) {
            if (which.equals("reference")) {
                rejects(() -> b.gatherRows(src, idx, 0, dst), "gather", "index 7", "out of range");
            } else {
                b.gatherRows(src, idx, 0, dst);
                float[] got = b.download(dst);
                assertEquals(5f, got[0]);
                assertEquals(6f, got[1]);
                for (int i = 2; i < 6; i++) {
                    assertTrue(Float.isNaN(got[i]), "row of a bad index is NaN: " + java.util.Arrays.toString(got));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stride", "padding", "output"})
    void geometryRules(String rule) {
        switch (rule) {
            case "stride" -> rejects(() -> new ConvGeom(1, 1, 5, 5, 1, 3, 3, 0, 0), "conv2d", "stride must be >= 1");
            case "padding" -> rejects(() -> new ConvGeom(1, 1, 5, 5, 1, 3, 3, 1, -1), "conv2d", "padding must be >= 0");
            default -> {
                rejects(() -> new ConvGeom(1, 1, 4, 4, 1, 5, 5, 1, 0), "conv2d", "output size", "< 1", "[1,1,4,4]");
                rejects(() -> new PoolGeom(1, 1, 2, 2, 3, 1, 0), "pool2d", "output size < 1");
                rejects(() -> new PoolGeom(1, 1, 8, 8, 2, 0, 0), "pool2d", "stride must be >= 1");
            }
        }
    }
}
