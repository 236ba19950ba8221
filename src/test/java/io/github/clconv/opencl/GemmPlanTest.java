package io.github.clconv.opencl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Shape classes: size, transposes, and A * B^T's long-K class, on resnet18's products. */
class GemmPlanTest {
    @Test
    void productsFallInTheirClasses() {
        assertEquals("nt.long", GemmPlan.classOf(false, true, 64, 147, 16 * 112 * 112), "the stem's weight gradient");
        assertEquals("nt.long", GemmPlan.classOf(false, true, 64, 64, 3136), "K 49 times M");
        assertEquals("nt.large", GemmPlan.classOf(false, true, 256, 1152, 3136), "K 12 times M");
        assertEquals("nt.large", GemmPlan.classOf(false, true, 512, 512, 256), "a Winograd weight gradient");
        assertEquals("nt.small", GemmPlan.classOf(false, true, 20, 25, 4000), "below 2^23 multiply-adds");
        assertEquals("nn.large", GemmPlan.classOf(false, false, 64, 147, 200704), "only A * B^T has a long class");
        assertEquals("tt.large", GemmPlan.classOf(true, true, 64, 64, 100000));
        assertEquals("nt.vec", GemmPlan.classOf(false, true, 1, 1000, 512), "resnet18's classifier at batch 1");
        assertEquals("nt.vec", GemmPlan.classOf(false, true, 4, 256, 3136), "a linear layer at batch 4");
        assertEquals("nt.small", GemmPlan.classOf(false, true, 5, 10, 256), "batch 5: the small class again");
        assertEquals("nn.small", GemmPlan.classOf(false, false, 1, 256, 3136), "only A * B^T has a vector class");
        for (String c : GemmPlan.CLASSES) {
            int[] s = GemmPlan.representative(c);
            // nn.kept is nn.small's products with A kept packed: the class by shape is nn.small
            assertEquals(c.equals("nn.kept") ? "nn.small" : c, GemmPlan.classOf(c.charAt(0) == 't', c.charAt(1) == 't', s[0], s[1], s[2]),
                    "representative of " + c);
        }
    }

    /** Weights kept packed take nn.kept's variant for small products only: large ones keep nn.large's. */
    @Test
    void keptWeightsUseTheirClassForSmallProducts() {
        GemmPlan plan = GemmPlan.uniform(GemmVariant.BLOCKED_DEFAULT, "test").with("nn.kept", GemmVariant.PACKED_DEFAULT)
                .with("nn.large", GemmVariant.TILED_DEFAULT);
        assertEquals(GemmVariant.PACKED_DEFAULT, plan.keptVariant(128, 196, 128), "a Winograd product at batch 1");
        assertEquals(GemmVariant.TILED_DEFAULT, plan.keptVariant(512, 49, 4608), "a 7x7 layer's im2col product at batch 1");
        assertEquals(GemmVariant.BLOCKED_DEFAULT, plan.variant(false, false, 128, 196, 128), "the same product without kept weights");
    }

    @Test
    void aPlanNeedsEveryClass() {
        GemmPlan plan = GemmPlan.uniform(GemmVariant.PACKED_DEFAULT, "test");
        assertEquals(GemmVariant.PACKED_DEFAULT, plan.variant("nt.long"));
        assertThrows(IllegalArgumentException.class, () -> new GemmPlan(java.util.Map.of("nn.small", GemmVariant.PACKED_DEFAULT), "test"));
        assertThrows(IllegalArgumentException.class, () -> plan.with("nn.large", GemmVariant.NT_DEFAULT));
    }

    /** `--gemm 'nt ...'`: gemm_nt runs every A * B^T, the blocked kernel every other product. */
    @Test
    void aUniformNtPlanKeepsTheBlockedKernelForTheOtherProducts() {
        GemmVariant nt = GemmVariant.parse("nt TR=4 TC=6 VK=16 WG=0");
        GemmPlan plan = GemmPlan.uniform(nt, "test");
        for (String c : GemmPlan.CLASSES) {
            assertEquals(c.startsWith("nt.") ? nt : GemmVariant.BLOCKED_DEFAULT, plan.variant(c), c);
        }
    }
}
