package io.github.clconv.nn;

import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Model.multiplyAdds against the layer sizes worked out by hand (out channels x in channels per
 * group x kernel area x output pixels per convolution, out x in per linear layer): a chain, and
 * resnet20's graph with its two projection shortcuts; batch norms, pools and adds count none.
 */
class MultiplyAddsTest {
    @Test
    void lenetCountsItsConvolutionsAndLinearLayers() {
        try (ReferenceBackend b = new ReferenceBackend();
             Model m = ModelSpec.parse("lenet").withClasses(10).build(Shape.of(1, 28, 28), b, 1L)) {
            long want = 20L * 25 * 24 * 24 + 50L * 20 * 25 * 8 * 8 + 500L * 800 + 10L * 500;
            assertEquals(want, m.multiplyAdds());
        }
    }

    @Test
    void resnet20CountsEveryBranch() {
        try (ReferenceBackend b = new ReferenceBackend();
             Model m = ModelSpec.parse("resnet20").withClasses(10).build(Shape.of(1, 28, 28), b, 1L)) {
            long stem = 16L * 9 * 28 * 28;
            long stage1 = 6 * 16L * 16 * 9 * 28 * 28;
            long stage2 = 32L * 16 * 9 * 14 * 14 + 32L * 16 * 14 * 14 + 5 * 32L * 32 * 9 * 14 * 14;
            long stage3 = 64L * 32 * 9 * 7 * 7 + 64L * 32 * 7 * 7 + 5 * 64L * 64 * 9 * 7 * 7;
            assertEquals(stem + stage1 + stage2 + stage3 + 64L * 10, m.multiplyAdds());
        }
    }
}
