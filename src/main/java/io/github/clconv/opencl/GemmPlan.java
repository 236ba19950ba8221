package io.github.clconv.opencl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which GEMM variant runs each shape class on one device. A class is the transposes
 * (nn, nt, tn, tt) and the size: "small" below 2^23 multiply-adds (lenet's layers at
 * batch 64, where launch and edge costs dominate), "large" from there (the 3x3 layers of
 * real networks); an A * B^T of at most 4 rows of A is "nt.vec" (a linear layer at batch 1). One more, "nn.kept", is a small A * B whose A is a layer's weights kept packed
 * between calls (ClGemm.withWeights: inference at batch 1), where a kernel that packs its operands
 * pays only for B's pack. The tuner measures one representative shape per class
 * ({@link #representative}); source says how the plan came about (tuned, probe, forced).
 */
public record GemmPlan(Map<String, GemmVariant> byClass, String source) {
    public static final List<String> CLASSES = List.of("nn.small", "nn.large", "nn.kept", "nt.vec", "nt.small", "nt.large", "nt.long", "tn.small",
            "tn.large", "tt.small", "tt.large");
    /** Rows of A up to which an A * B^T is "vec": a linear layer at batch 1-4, a stream of B's rows (lenet-bn's 1 x 256 x 3136: 0.057 ms with TR=1 TC=4 VK=16, 0.107 with nt.small's TR=3 TC=4 VK=8). */
    private static final long VEC = 4;
    private static final long LARGE = 1L << 23;
    /** K / min(M, N) from which a large A * B^T is "long": on PoCL 3.1 (Xeon) gemm_nt won on 4 resnet18 weight gradients at 49-784, the packed kernel on 5 at 0.3-12. */
    private static final long LONG = 24;

    public GemmPlan {
        byClass = Map.copyOf(byClass);
        for (String c : CLASSES) {
            GemmVariant v = byClass.get(c);
            if (v == null) {
                throw new IllegalArgumentException("gemm plan has no variant for " + c);
            }
            if (v.kind() == GemmVariant.Kind.NT && !c.startsWith("nt")) {
                throw new IllegalArgumentException("gemm plan: " + c + " cannot use " + v + " (A * B^T only)");
            }
        }
    }

    /**
     * The same variant for every class; gemm_nt stands in for A * B^T when v is the blocked kernel, and
     * the blocked kernel for every other product when v is gemm_nt (A * B^T only).
     */
    public static GemmPlan uniform(GemmVariant v, String source) {
        Map<String, GemmVariant> m = new LinkedHashMap<>();
        for (String c : CLASSES) {
            m.put(c, v.kind() == GemmVariant.Kind.NT && !c.startsWith("nt.") ? GemmVariant.BLOCKED_DEFAULT : v);
        }
        if (v.kind() == GemmVariant.Kind.BLOCKED) {
            m.put("nt.vec", GemmVariant.NT_DEFAULT);
            m.put("nt.small", GemmVariant.NT_DEFAULT);
            m.put("nt.large", GemmVariant.NT_DEFAULT);
        }
        return new GemmPlan(m, source);
    }

    public static String classOf(boolean ta, boolean tb, long m, long n, long k) {
        if (!ta && tb && m <= VEC) {
            return "nt.vec";
        }
        if (m * n * k < LARGE) {
            return (ta ? "t" : "n") + (tb ? "t" : "n") + ".small";
        }
        return (ta ? "t" : "n") + (tb ? "t" : "n") + (!ta && tb && k >= LONG * Math.min(m, n) ? ".long" : ".large");
    }

    /** The variant for A * B (no transposes) whose A is kept packed between calls: nn.kept's where the product is small. */
    public GemmVariant keptVariant(int m, int n, int k) {
        String c = classOf(false, false, m, n, k);
        return byClass.get(c.equals("nn.small") ? "nn.kept" : c);
    }

    public GemmVariant variant(String shapeClass) {
        return byClass.get(shapeClass);
    }

    public GemmVariant variant(boolean ta, boolean tb, int m, int n, int k) {
        return byClass.get(classOf(ta, tb, m, n, k));
    }

    public GemmPlan with(String shapeClass, GemmVariant v) {
        Map<String, GemmVariant> m = new LinkedHashMap<>(byClass);
        m.put(shapeClass, v);
        return new GemmPlan(m, source);
    }

    /** {m, n, k} of the shape the tuner times for a class: lenet- and resnet-like products. */
    static int[] representative(String shapeClass) {
        return switch (shapeClass) {
            case "nn.small" -> new int[]{50, 4096, 25};      // lenet conv1 forward, part of a batch
            case "nn.large" -> new int[]{64, 4096, 576};     // a 3x3, 64-channel convolution forward
            case "nn.kept" -> new int[]{128, 196, 128};      // a Winograd F(2x2) product of a 28x28, 128-channel layer at batch 1
            case "nt.vec" -> new int[]{1, 256, 3136};       // a linear layer forward at batch 1 (lenet-bn's first)
            case "nt.small" -> new int[]{64, 500, 200};      // a linear layer forward
            case "nt.large" -> new int[]{256, 256, 784};     // a Winograd weight gradient (one of a batch)
            case "nt.long" -> new int[]{64, 576, 4096};      // an im2col weight gradient: long K
            case "tn.small" -> new int[]{500, 800, 16};      // a linear layer's weight gradient
            case "tn.large" -> new int[]{576, 4096, 64};     // a convolution's input gradient
            case "tt.small" -> new int[]{64, 128, 256};
            case "tt.large" -> new int[]{256, 256, 256};
            default -> throw new IllegalArgumentException("unknown gemm shape class " + shapeClass);
        };
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(source).append(':');
        for (String c : CLASSES) {
            sb.append(' ').append(c).append("=[").append(byClass.get(c)).append(']');
        }
        return sb.toString();
    }
}
