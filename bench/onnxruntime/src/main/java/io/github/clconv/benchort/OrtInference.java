package io.github.clconv.benchort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.clconv.backend.Backend;
import io.github.clconv.backend.Buf;
import io.github.clconv.nn.BatchNormFolding;
import io.github.clconv.nn.Model;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.onnx.Onnx;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.tensor.Shape;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Inference of the same network in clconv and in ONNX Runtime (2 intra-op threads), from the
 * same weights: clconv builds the preset, exports it with Onnx.export, and both run the file's
 * numbers. Batch-1 latency (median of many calls) and batch-64 images/s (median of rounds),
 * input upload and output read included on both sides, the two engines timed in turns (slices of
 * a fraction of a second, alternating): this machine's load comes in bursts of seconds, and timed
 * one after the other the two had met different ones. Last line: JSON.
 *   java -cp clconv.jar:lib/* io.github.clconv.benchort.OrtInference DEVICE MODEL:C,H,W ...
 */
public final class OrtInference {
    public static void main(String[] args) throws Exception {
        String device = args.length > 0 ? args[0] : "auto";
        List<String> rows = new ArrayList<>();
        try (Backend b = ClBackend.open(device)) {
            for (String spec : Arrays.copyOfRange(args, 1, args.length)) {
                String[] p = spec.split(":");
                int[] chw = Arrays.stream(p[1].split(",")).mapToInt(Integer::parseInt).toArray();
                rows.add(measure(b, p[0], Shape.of(chw)));
            }
            System.out.println("{\"device\": \"" + b.name() + "\", \"models\": [" + String.join(", ", rows) + "]}");
        }
    }

    private static String measure(Backend b, String name, Shape in) throws Exception {
        Path f = Files.createTempFile("clconv-bench-", ".onnx");
        try (Model m = ModelSpec.parse(name).withClasses(10).build(in, b, 1L); Model folded = BatchNormFolding.fold(m)) {
            Onnx.export(m, f);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setIntraOpNumThreads(2);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                try (OrtSession s = env.createSession(f.toString(), o)) {
                    double[][] lat = latency(x -> run(folded, x, 1), x -> ort(env, s, x, in, 1), in);
                    double[][] tput = throughput(x -> run(folded, x, 64), x -> ort(env, s, x, in, 64), in, 64);
                    double[] ours = {lat[0][0], tput[0][0]}, theirs = {lat[1][0], tput[1][0]};
                    System.err.printf(Locale.ROOT, "%s %s: batch-1 latency clconv %.2f ms, ONNX Runtime %.2f ms (ratio %.2f); batch 64 clconv %.0f, ONNX Runtime %.0f images/s (ratio %.2f)%n",
                            name, in, ours[0], theirs[0], theirs[0] / ours[0], ours[1], theirs[1], ours[1] / theirs[1]);
                    return String.format(Locale.ROOT, "{\"model\": \"%s\", \"input\": \"%s\", \"clconv_latency_ms\": %.3f, \"onnxruntime_latency_ms\": %.3f,"
                                    + " \"clconv_images_per_sec\": %.1f, \"onnxruntime_images_per_sec\": %.1f, \"latency_ratio\": %.3f, \"throughput_ratio\": %.3f}",
                            name, in, ours[0], theirs[0], ours[1], theirs[1], theirs[0] / ours[0], ours[1] / theirs[1]);
                }
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    interface Run {
        float[] apply(float[] x) throws Exception;
    }

    private static float[] input(Shape in, int n) {
        Random r = new Random(7);
        float[] x = new float[(int) (n * in.size())];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** Slices per engine: each measurement alternates the two this many times. */
    private static final int SLICES = 10;

    /** Between slices: ONNX Runtime's pool threads spin a while after a run; they must not share the next slice's cores. */
    private static void settle() throws InterruptedException {
        Thread.sleep(20);
    }

    /**
     * Median milliseconds of one batch-1 call of each engine ({ours}, {theirs}), after a warm-up (clconv measures its
     * kernels then): SLICES slices of 0.2 s each, in turns, every call's time kept.
     */
    private static double[][] latency(Run ours, Run theirs, Shape in) throws Exception {
        float[] x = input(in, 1);
        Run[] runs = {ours, theirs};
        List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
        for (Run r : runs) {
            for (int i = 0; i < 5; i++) {
                r.apply(x);
            }
        }
        for (int slice = 0; slice < SLICES; slice++) {
            for (int e = 0; e < runs.length; e++) {
                settle();
                long end = System.nanoTime() + 200_000_000L;
                int calls = 0;
                while (System.nanoTime() < end || calls < 5) {
                    long t = System.nanoTime();
                    runs[e].apply(x);
                    ms.get(e).add((System.nanoTime() - t) / 1e6);
                    calls++;
                }
            }
        }
        return new double[][]{{median(ms.get(0))}, {median(ms.get(1))}};
    }

    /** Images/s of batch-n calls of each engine: the median of SLICES slices of at least 0.5 s each, in turns. */
    private static double[][] throughput(Run ours, Run theirs, Shape in, int n) throws Exception {
        float[] x = input(in, n);
        Run[] runs = {ours, theirs};
        List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>());
        for (Run r : runs) {
            r.apply(x);
            r.apply(x);
        }
        for (int slice = 0; slice < SLICES; slice++) {
            for (int e = 0; e < runs.length; e++) {
                settle();
                long t = System.nanoTime();
                int calls = 0;
                do {
                    runs[e].apply(x);
                    calls++;
                } while (System.nanoTime() - t < 500_000_000L);
                rates.get(e).add(calls * n / ((System.nanoTime() - t) / 1e9));
            }
        }
        return new double[][]{{median(rates.get(0))}, {median(rates.get(1))}};
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    private static float[] run(Model m, float[] x, int n) {
        Backend b = m.backend();
        int[] d = {n, m.input().dim(0), m.input().dim(1), m.input().dim(2)};
        try (Buf in = b.upload(Shape.of(d), x)) {
            return b.download(m.forward(in, false));
        }
    }

    private static float[] ort(OrtEnvironment env, OrtSession s, float[] x, Shape in, int n) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{n, in.dim(0), in.dim(1), in.dim(2)});
             OrtSession.Result r = s.run(Map.of("input", t))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
        }
    }
}
