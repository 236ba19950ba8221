package io.github.clconv.nn;

import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelSpecTest {
    static void rejects(String spec, Shape in, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(spec).layers(in));
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + e.getMessage() + "' should mention '" + w + "'");
        }
    }

    @Test
    void lenetHasTheShapesOfCaffesLenet() {
        ModelSpec s = ModelSpec.parse("lenet");
        List<Layer> layers = s.layers(Shape.of(1, 28, 28));
        assertEquals(10, layers.size());
        Shape x = Shape.of(1, 28, 28);
        Shape[] expected = {Shape.of(20, 24, 24), Shape.of(20, 24, 24), Shape.of(20, 12, 12), Shape.of(50, 8, 8), Shape.of(50, 8, 8),
                Shape.of(50, 4, 4), Shape.of(800), Shape.of(500), Shape.of(500), Shape.of(10)};
        for (int i = 0; i < layers.size(); i++) {
            x = layers.get(i).outputShape(x);
            assertEquals(expected[i], x, "after layer " + i + " " + layers.get(i).spec());
        }
        assertEquals(Init.HE, s.init());
        assertEquals(ModelSpec.PRESETS.get("lenet"), String.join("-", layers.stream().map(Layer::spec).toList()));
    }

    /** ResNet's stem pool: padding on max and average pooling, in the spec and through the model (the reference). */
    @Test
    void paddedPooling() {
        String spec = "maxpool(3,s=2,p=1)-avgpool(3,s=1,p=1)-relu6";
        List<Layer> layers = ModelSpec.parse(spec).layers(Shape.of(2, 7, 7));
        assertEquals(spec, String.join("-", layers.stream().map(Layer::spec).toList()));
        assertEquals(Shape.of(2, 4, 4), layers.get(0).outputShape(Shape.of(2, 7, 7)));
        assertEquals(Shape.of(2, 4, 4), layers.get(1).outputShape(Shape.of(2, 4, 4)));
        rejects("maxpool(3,p=2)", Shape.of(2, 7, 7), "padding 2", "half the kernel");
        try (io.github.clconv.backend.ReferenceBackend b = new io.github.clconv.backend.ReferenceBackend();
             Model m = ModelSpec.parse("maxpool(3,s=2,p=1)").build(Shape.of(1, 3, 3), b, 1)) {
            float[] x = {-1, -2, -3, -4, -5, -6, -7, -8, -9}; // all negative: a padded zero would win if padding counted
            try (io.github.clconv.backend.Buf in = b.upload(Shape.of(1, 1, 3, 3), x)) {
                float[] y = b.download(m.forward(in, false));
                assertEquals(List.of(-1f, -2f, -4f, -5f), List.of(y[0], y[1], y[2], y[3])); // each window's top-left real element
            }
        }
    }

    @Test
    void namedArgumentsAndAllLayerKinds() {
        String spec = "conv(8,3,s=2,p=1)-bn-leakyrelu(0.2)-avgpool(2,s=1)-conv(4,1)-tanh-maxpool(2)-flatten-dropout(0.25)-linear(7)-bn-sigmoid";
        List<Layer> layers = ModelSpec.parse(spec).layers(Shape.of(3, 16, 16));
        assertEquals(spec, String.join("-", layers.stream().map(Layer::spec).toList()));
        assertEquals(Init.XAVIER, ModelSpec.parse("conv(2,3)-tanh-flatten-linear(2)-sigmoid").init());
    }

    @Test
    void errorsPointAtTheToken() {
        Shape in = Shape.of(1, 28, 28);
        rejects("conv(20,5)-relu-convv(3)", in, "unknown layer 'convv'", "'convv(3)'", "character 17", "known:");
        rejects("conv(20)", in, "expected 2 positional arguments, got 1", "'conv(20)'");
        rejects("conv(20,x)", in, "'x' is not a whole number");
        rejects("conv(0,3)", in, "must be >= 1");
        rejects("conv(4,3,q=1)", in, "unknown argument 'q'");
        rejects("relu(3)", in, "takes no arguments");
        rejects("dropout(1.5)", in, "must lie in");
        rejects("conv(4,3", in, "missing ')'");
        rejects("conv(20,5)-maxpool(2)-conv(50,5)-maxpool(2)-conv(10,5)", in, "output size", "< 1", "'conv(10,5)'", "character 45");
        rejects("conv(4,3)-linear(10)", in, "put flatten before it", "'linear(10)'");
        rejects("", in, "empty");
    }

    @Test
    void aModelThatFailsHalfBuiltLeavesNoBuffers() {
        io.github.clconv.backend.Backend b = io.github.clconv.TestDevices.cl();
        int live = b.liveBuffers();
        // the convolution is built (weights on the device) before linear finds its input is not flat
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(List.of(new Conv2d(4, 3, 1, 0), new Linear(5)), Shape.of(1, 8, 8), b, Init.HE, 1L));
        assertTrue(e.getMessage().contains("flat input"), e.getMessage());
        assertEquals(live, b.liveBuffers(), "the half-built model released its buffers");
    }
}
