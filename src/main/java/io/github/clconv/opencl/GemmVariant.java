package io.github.clconv.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One GEMM implementation with its tunables, written as a spec such as
 * {@code tiled TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1}:
 * <ul>
 * <li>{@code blocked TM VW VN WG}: opencl/gemm.cl's {@code gemm}, a TM x (VN vectors of VW)
 * register block per work-item (VN may be left out: 1); WG=1 launches one work-item per group,
 * WG=0 groups up to 8 x 8 work-items (ClGemm.GROUP; left to the runtime, PoCL overflowed its
 * threads' stacks);</li>
 * <li>{@code nt TR TC VK WG}: {@code gemm_nt}, for A * B^T only;</li>
 * <li>{@code packed TM VW VN}: {@code gemm_packed}, the blocked kernel's register block on copies of
 * op(A) and op(B) packed in the order it reads them (any transposes; one work-item per group);</li>
 * <li>{@code tiled TSM TSN TSK WM WN LOCAL}: {@code gemm_tiled}, a tile of C per work-group;</li>
 * <li>{@code clblast}: CLBlast's SGEMM on the same queue.</li>
 * </ul>
 */
public record GemmVariant(Kind kind, Map<String, Integer> values) {
    public enum Kind {
        BLOCKED("TM", "VW", "VN", "WG"), PACKED("TM", "VW", "VN"), NT("TR", "TC", "VK", "WG"), TILED("TSM", "TSN", "TSK", "WM", "WN", "LOCAL"), CLBLAST;

        final String[] keys;

        Kind(String... keys) {
            this.keys = keys;
        }
    }

    /** The register-blocked kernel as it was tuned on PoCL before variants existed. */
    public static final GemmVariant BLOCKED_DEFAULT = parse("blocked TM=8 VW=16 WG=1");
    /** Two vectors of columns per work-item (12 accumulators): on PoCL 3.1 (Xeon) 10-35% faster on 4 of 5 shapes, in noisy runs. */
    public static final GemmVariant BLOCKED_WIDE = parse("blocked TM=6 VW=16 VN=2 WG=1");
    /** The same block on packed operands: on PoCL 3.1 (Xeon) 1.2-4x the blocked kernel's GFLOP/s on resnet-sized products, packing included. */
    public static final GemmVariant PACKED_DEFAULT = parse("packed TM=6 VW=16 VN=2");
    /**
     * Blocks sized for sixteen 8-float registers (AVX2): 10 accumulators, 2 vectors of B and a broadcast of A per step. The
     * 16-wide blocks above hold 24 such registers' worth, and 12 accumulators with 3 vectors of B (16 in all) left LLVM two
     * accumulators to keep on the stack, each step's multiply-add then waiting on a store and a load: SGEMM 1024 on a Zen 3
     * 159-162 GFLOP/s packed, 130-139 blocked, against 78 for TM=4 VN=3 and 62-69 for the 16-wide default.
     */
    public static final GemmVariant BLOCKED_NARROW = parse("blocked TM=5 VW=8 VN=2 WG=1");
    public static final GemmVariant PACKED_NARROW = parse("packed TM=5 VW=8 VN=2");
    public static final GemmVariant NT_DEFAULT = parse("nt TR=4 TC=4 VK=8 WG=1");
    public static final GemmVariant TILED_DEFAULT = parse("tiled TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1");
    /** Tiled without local memory: on rusticl/llvmpipe, whose barriers cost more than they save, about 2x TILED_DEFAULT. */
    public static final GemmVariant TILED_GLOBAL = parse("tiled TSM=32 TSN=64 TSK=16 WM=4 WN=8 LOCAL=0");

    public GemmVariant {
        values = Map.copyOf(values);
        for (String key : kind.keys) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("gemm variant " + kind.name().toLowerCase(java.util.Locale.ROOT) + " needs " + key);
            }
        }
        if (values.size() != kind.keys.length) {
            throw new IllegalArgumentException("gemm variant " + kind.name().toLowerCase(java.util.Locale.ROOT) + " takes " + String.join(", ", kind.keys));
        }
        switch (kind) {
            case BLOCKED -> check(in(get(values, "TM"), 1, 16) && vector(get(values, "VW")) && in(get(values, "VN"), 1, 4)
                    && in(get(values, "WG"), 0, 1), values);
            case PACKED -> check(in(get(values, "TM"), 1, 16) && vector(get(values, "VW")) && in(get(values, "VN"), 1, 4), values);
            case NT -> check(in(get(values, "TR"), 1, 8) && in(get(values, "TC"), 1, 8) && vector(get(values, "VK"))
                    && in(get(values, "WG"), 0, 1), values);
            case TILED -> {
                int tsm = get(values, "TSM"), tsn = get(values, "TSN"), wm = get(values, "WM"), wn = get(values, "WN");
                check(in(tsm, 1, 256) && in(tsn, 1, 256) && in(get(values, "TSK"), 1, 64) && in(wm, 1, 16) && in(wn, 1, 16)
                        && tsm % wm == 0 && tsn % wn == 0 && in(get(values, "LOCAL"), 0, 1), values);
            }
            case CLBLAST -> {
            }
        }
    }

    private static int get(Map<String, Integer> v, String k) {
        return v.get(k);
    }

    private static boolean in(int v, int lo, int hi) {
        return v >= lo && v <= hi;
    }

    private static boolean vector(int v) {
        return v == 4 || v == 8 || v == 16;
    }

    private static void check(boolean ok, Map<String, Integer> values) {
        if (!ok) {
            throw new IllegalArgumentException("gemm parameters out of range: " + values);
        }
    }

    /** Reads a spec as {@link #toString()} writes it. */
    public static GemmVariant parse(String spec) {
        String[] parts = spec.trim().split("\\s+");
        Kind kind;
        try {
            kind = Kind.valueOf(parts[0].toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown gemm variant '" + parts[0] + "' (blocked, packed, nt, tiled or clblast)");
        }
        Map<String, Integer> v = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("gemm variant '" + spec + "': expected NAME=VALUE, got " + parts[i]);
            }
            try {
                v.put(kv[0], Integer.parseInt(kv[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("gemm variant '" + spec + "': " + kv[0] + " is not an integer");
            }
        }
        if (kind == Kind.BLOCKED || kind == Kind.PACKED) {
            v.putIfAbsent("VN", 1); // specs (and tuning caches) from before VN existed
        }
        return new GemmVariant(kind, v);
    }

    int get(String key) {
        return values.get(key);
    }

    /** -D build options for the kernel (WG is a launch setting, not a build option). */
    String options() {
        StringBuilder sb = new StringBuilder();
        for (String key : kind.keys) {
            if (!key.equals("WG")) {
                sb.append(" -D").append(key).append('=').append(values.get(key));
            }
        }
        return sb.toString().trim();
    }

    /** Work-items per group of the tiled kernel. */
    long groupSize() {
        return kind == Kind.TILED ? (long) (get("TSN") / get("WN")) * (get("TSM") / get("WM")) : 1;
    }

    /** Local memory the kernel uses, bytes. */
    long localBytes() {
        return kind == Kind.TILED && get("LOCAL") == 1 ? 4L * get("TSK") * (get("TSM") + 1 + get("TSN")) : 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind.name().toLowerCase(java.util.Locale.ROOT));
        for (String key : kind.keys) {
            if (!(key.equals("VN") && values.get(key) == 1)) { // VN=1 is left out, as before VN existed
                sb.append(' ').append(key).append('=').append(values.get(key));
            }
        }
        return sb.toString();
    }
}
