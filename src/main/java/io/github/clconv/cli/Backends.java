package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.GemmPlan;
import io.github.clconv.opencl.GemmVariant;

/** Turns a --device value into a backend: reference, or an OpenCL device. */
final class Backends {
    static final String DEVICE_HELP = "auto (first GPU, else CPU), gpu, cpu, reference (pure Java) or an index from `clconv devices`";

    static final String GEMM_HELP = "Run every GEMM with this variant instead of the device's tuned plan, e.g. 'tiled TSM=32 TSN=32 TSK=16 WM=4 WN=4 LOCAL=1',"
            + " 'blocked TM=8 VW=16 WG=1' (A * B^T then uses 'nt TR=4 TC=4 VK=8 WG=1'),"
            + " 'nt TR=4 TC=6 VK=16 WG=0' (A * B^T only; the blocked kernel elsewhere), 'packed TM=6 VW=16 VN=2' or 'clblast'; see `clconv tune` for the candidates.";

    private Backends() {
    }

    /** The device specs of --devices: comma-separated indices, or all (every OpenCL device). */
    static java.util.List<String> deviceList(String spec) {
        if (spec.trim().equalsIgnoreCase("all")) {
            int n = io.github.clconv.opencl.ClDevices.list().size();
            if (n == 0) {
                throw new IllegalArgumentException("--devices all: OpenCL lists no device; see `clconv doctor`");
            }
            return java.util.stream.IntStream.range(0, n).mapToObj(String::valueOf).toList();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        int listed = -1;
        for (String part : spec.split(",", -1)) {
            String t = part.trim();
            if (!t.matches("\\d{1,4}")) {
                throw new IllegalArgumentException("--devices " + spec + ": expected device indices from `clconv devices`, comma-separated (e.g. 0,1), or all");
            }
            if (out.contains(t)) {
                throw new IllegalArgumentException("--devices " + spec + ": device " + t + " is named twice");
            }
            listed = listed >= 0 ? listed : io.github.clconv.opencl.ClDevices.list().size();
            if (Integer.parseInt(t) >= listed) {
                throw new IllegalArgumentException("--devices " + spec + ": there is no device " + t + "; `clconv devices` lists " + listed
                        + (listed == 1 ? " (index 0)" : listed == 0 ? "" : " (indices 0 to " + (listed - 1) + ")"));
            }
            out.add(t);
        }
        return out;
    }

    static Backend open(String spec) {
        return open(spec, null);
    }

    /** gemm: a variant spec that every GEMM shape class uses (null: the device's plan). */
    static Backend open(String spec, String gemm) {
        return open(spec, gemm, null);
    }

    /** movement: row or element, the layout of the convolution's data movement (null: the device's measured one). */
    static Backend open(String spec, String gemm, String movement) {
        return open(spec, gemm, movement, null);
    }

    static final String CONV_ALGO_HELP = "Convolution algorithm: auto (chosen per layer shape by measurement, kept per device), im2col,"
            + " winograd2 or winograd4 (Winograd F(2x2,3x3) or F(4x4,3x3) for 3x3 stride-1 layers), winograd4-chunked (F(4x4,3x3) in chunks of"
            + " images whose transforms fit the device's cache, where the whole batch's do not), direct (stride-1 'same' layers with odd square"
            + " filters up to 7x7), direct2 (the same with two vectors of pixels per step, where work-items run one by one), direct-narrow and"
            + " direct2-narrow (the two with 8-wide vectors, sized for sixteen 8-float registers as AVX2 has), lanes (unpadded stride-1 layers with square filters of 2x2 to 5x5, where work-items run one by one:"
            + " im2col with a direct weight gradient), valid (the same layers, the forward pass and the input gradient direct too, 16 filters in a vector's lanes),"
            + " strided (stride-2 layers with square filters up to 7x7, where work-items run one"
            + " by one), strided-narrow (the same with half the accumulators) or depthwise"
            + " (groups = channels = filters); im2col where the one asked for does not apply.";

    /** convAlgo: auto, im2col, winograd2, winograd4 or direct (null: auto). */
    static Backend open(String spec, String gemm, String movement, String convAlgo) {
        if ("reference".equalsIgnoreCase(spec.trim())) {
            if (gemm != null || movement != null || (convAlgo != null && !convAlgo.equals("auto"))) {
                throw new IllegalArgumentException("--gemm and --movement choose OpenCL kernels; they do not apply to --device reference");
            }
            return new ReferenceBackend();
        }
        if (movement != null && !movement.equals("row") && !movement.equals("element")) {
            throw new IllegalArgumentException("--movement " + movement + ": expected row or element");
        }
        if (convAlgo != null && !ClBackend.convAlgorithms().contains(convAlgo)) {
            throw new IllegalArgumentException("--conv-algo " + convAlgo + ": expected one of " + String.join(", ", ClBackend.convAlgorithms()));
        }
        ClBackend b = ClBackend.open(spec, gemm == null ? null : GemmPlan.uniform(GemmVariant.parse(gemm), "--gemm"),
                movement == null ? null : movement.equals("element"));
        return convAlgo == null ? b : b.convAlgo(convAlgo);
    }
}
