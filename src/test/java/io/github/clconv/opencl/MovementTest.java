package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both data-movement layouts (a row or an element per work-item) agree with the reference: convolutions and pooling. */
class MovementTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void convolutionsAgreeWithTheReferenceInEitherLayout(boolean elementwise) {
        OpFamily conv = OpCatalog.all().stream().filter(f -> f.name().equals("conv2d")).findFirst().orElseThrow();
        int checked = 0;
        try (ClBackend b = TestDevices.cl().withMovement(elementwise); ReferenceBackend ref = new ReferenceBackend()) {
            assertEquals(elementwise, b.elementwiseMovement());
            for (int i = 0; i < 14; i++) {
                for (CheckResult r : conv.run(new Pair(b, ref), 91L, i)) {
                    assertTrue(r.ok(), (elementwise ? "element" : "row") + ": " + r.row() + "\n" + r.mismatches());
                    checked++;
                }
            }
        }
        assertEquals(28 + 3 + 7 + 5, checked, "forward and backward of 14 cases, of every fourth (2, 6, 10) a backward without dw, of every other a"
                + " residual forward, of every third (1, 4, 7, 10, 13; outputs of at least 2x2 with this seed) a pooled forward");
    }

    /** Max and average pooling, forward and backward, on 24 seeded shapes each (overlapping windows or not, padding). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void poolingAgreesWithTheReferenceInEitherLayout(boolean elementwise) {
        int checked = 0;
        try (ClBackend b = TestDevices.cl().withMovement(elementwise); ReferenceBackend ref = new ReferenceBackend()) {
            for (String name : new String[]{"maxpool2d", "avgpool2d"}) {
                OpFamily pool = OpCatalog.all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
                for (int i = 0; i < 24; i++) {
                    for (CheckResult r : pool.run(new Pair(b, ref), 92L, i)) {
                        assertTrue(r.ok(), name + ", " + (elementwise ? "element" : "row") + ": " + r.row() + "\n" + r.mismatches());
                        checked++;
                    }
                }
            }
        }
        assertEquals(96, checked);
    }
}
