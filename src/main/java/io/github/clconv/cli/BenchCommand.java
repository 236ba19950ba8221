package io.github.clconv.cli;

import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.bench.ConvBench;
import io.github.clconv.bench.GemmBench;
import io.github.clconv.bench.ModelBench;
import io.github.clconv.bench.PeakBench;
import io.github.clconv.data.Dataset;
import io.github.clconv.nn.ModelSpec;
import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.ClBlastGemm;
import io.github.clconv.tensor.ConvGeom;
import io.github.clconv.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure SGEMM, convolution layers and lenet training and inference on one device.",
                "SGEMM GFLOP/s against CLBlast (same device, same run), forward+backward time of convolution layers",
                "with the algorithm chosen for each and its GFLOP/s as a fraction of the device's measured multiply-add peak,",
                "lenet training and inference images/s on Fashion-MNIST, and the reference backend for scale.",
                "Each figure is the median of --runs timed runs after a warm-up. Table on stderr, one JSON line on stdout."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "SPEC", description = "Also time training and inference of these models"
            + " (e.g. lenet-bn,resnet20), batch 64, SGD momentum, median of up to 3 passes, training also as a fraction of the"
            + " measured multiply-add peak (direct-convolution FLOPs, forward and both gradients). torchvision's presets (resnet18, resnet34,"
            + " resnet50, mobilenet_v2) run at their own input, 3x224x224, on random images at --batch, with batch-1 latency.")
    List<String> extraModels;
    @Option(names = "--batch", defaultValue = "16", description = "Batch size of the 224-pixel models of --models. Default: ${DEFAULT-VALUE}.")
    int batch;
    @Option(names = "--conv-algo", paramLabel = "ALGO", defaultValue = "auto", description = Backends.CONV_ALGO_HELP + " Default: ${DEFAULT-VALUE}.")
    String convAlgo;
    @Option(names = "--device", defaultValue = "auto", description = "OpenCL device: auto, gpu, cpu or an index. Default: ${DEFAULT-VALUE}.")
    String device;
    @Option(names = "--data", description = "Data folder for the training figures (any format train --data takes). Default: /usr/share/datasets/fashion-mnist.")
    Path data = Dataset.DEFAULT_DIR;
    @Option(names = "--runs", defaultValue = "5", description = "Timed runs per figure (the median is reported). Default: ${DEFAULT-VALUE}.")
    int runs;
    @Option(names = "--train-images", defaultValue = "12800", description = "Training images per timed pass. Default: ${DEFAULT-VALUE}.")
    int trainImages;
    @Option(names = "--quick", description = "Small sizes only (a smoke test of the command, not a measurement).")
    boolean quick;
    @Option(names = "--no-clblast", description = "Skip CLBlast.")
    boolean noClblast;

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (extraModels != null) {
            extraModels.forEach(ModelSpec::parse); // a bad spec is said now, not after minutes of measuring
        }
        if (device.equalsIgnoreCase("reference")) {
            throw new IllegalArgumentException("bench measures an OpenCL device; the reference backend is timed in section (d) of every run");
        }
        Dataset[] sets = Dataset.load(data);
        if (sets[1] == null) { // an image folder without test/: inference is timed on the training images
            sets[1] = sets[0];
        }
        try (ClBackend b = ClBackend.open(device).convAlgo(convAlgo)) {
            ClBlastGemm blast = noClblast ? null : new ClBlastGemm(b);
            System.err.println("bench on " + b.name() + ", median of " + runs + " runs; GEMM plan: " + b.gemmPlan().source());
            List<Object> gemm = new ArrayList<>(), lenetGemm = new ArrayList<>(), conv = new ArrayList<>();
            System.err.printf(java.util.Locale.ROOT, "%n(a) SGEMM GFLOP/s%n%-12s %-22s %10s %10s %8s  %s%n", "case", "m x n x k", "clconv", "CLBlast", "ratio",
                    "clconv's variant");
            int[] sizes = quick ? new int[]{64, 128} : new int[]{256, 512, 1024, 2048};
            for (int n : sizes) {
                GemmBench.Result r = GemmBench.run(b, blast, GemmBench.Case.square(n), runs);
                printGemm(b, r);
                gemm.add(new Json().put("n", n).put("variant", variant(b, r.c())).put("clconv_gflops", r.clconvGflops()).put("clblast_gflops", r.clblastGflops()).put("ratio", r.ratio()));
            }
            for (GemmBench.Case c : quick ? new GemmBench.Case[]{GemmBench.LENET[0]} : GemmBench.LENET) {
                GemmBench.Result r = GemmBench.run(b, blast, c, runs);
                printGemm(b, r);
                lenetGemm.add(new Json().put("name", c.name()).put("m", c.m()).put("n", c.n()).put("k", c.k())
                        .put("transposes", (c.ta() ? "T" : "N") + (c.tb() ? "T" : "N")).put("variant", variant(b, c))
                        .put("clconv_gflops", r.clconvGflops()).put("clblast_gflops", r.clblastGflops()).put("ratio", r.ratio()));
            }
            double sgemmBest = gemm.stream().mapToDouble(j -> ((Json) j).number("clconv_gflops")).max().orElse(Double.NaN);
            PeakBench.Result peak = PeakBench.run(b, runs);
            System.err.printf(java.util.Locale.ROOT, "%n(b) convolution layers, forward + backward; GFLOP/s counts a direct convolution's FLOPs (3 passes), beside the"
                    + " device's multiply-add peak, %.0f GFLOP/s (opencl/peak.cl: %.0f with a float per work-item, %.0f / %.0f with 8- / 16-wide vectors),"
                    + " and the best SGEMM of (a), %.0f GFLOP/s%n%-40s %-10s %10s %12s %10s %8s %8s%n", peak.gflops(), peak.scalarGflops(),
                    peak.vector8Gflops(), peak.vector16Gflops(), sgemmBest, "N,C,H,W,K,R,S,stride,pad", "algorithm", "fwd ms", "fwd+bwd ms", "GFLOP/s", "of peak", "of SGEMM");
            ConvGeom[] layers = quick ? new ConvGeom[]{new ConvGeom(4, 3, 12, 12, 8, 3, 3, 1, 1)} : ConvBench.LAYERS;
            for (ConvGeom g : layers) {
                ConvBench.Result r = ConvBench.run(b, g, runs);
                String shape = g.n() + "," + g.c() + "," + g.h() + "," + g.w() + "," + g.k() + "," + g.r() + "," + g.s() + "," + g.stride() + "," + g.pad();
                String algo = b.convAlgoFor(g);
                System.err.printf(java.util.Locale.ROOT, "%-40s %-10s %10.2f %12.2f %10.1f %7.0f%% %7.0f%%%n", shape, algo, r.forwardMs(), r.totalMs(), r.gflops(),
                        100 * r.gflops() / peak.gflops(), 100 * r.gflops() / sgemmBest);
                conv.add(new Json().put("shape", shape).put("algorithm", algo).put("forward_ms", r.forwardMs()).put("forward_backward_ms", r.totalMs())
                        .put("gflops", r.gflops()).put("fraction_of_peak", r.gflops() / peak.gflops()));
            }
            System.err.printf(java.util.Locale.ROOT, "%n(c) lenet on %s, batch 64 training, batch 256 inference%n", data);
            ModelBench.Result m = ModelBench.run(b, sets[0], quick ? sets[1].limit(512) : sets[1], "lenet", quick ? 640 : trainImages, runs);
            System.err.printf(java.util.Locale.ROOT, "training  %,10.0f images/s   (%d images per timed pass)%ninference %,10.0f images/s   (%d images)%n",
                    m.trainImagesPerSec(), m.trainImages(), m.inferImagesPerSec(), m.inferImages());
            List<Object> models = new ArrayList<>();
            for (String spec : extraModels == null ? List.<String>of() : extraModels) {
                ModelSpec parsed = ModelSpec.parse(spec);
                if (parsed.defaultInput().isPresent()) {
                    Shape in = parsed.defaultInput().get();
                    ModelBench.Sized s = ModelBench.sized(b, parsed, quick ? Shape.of(3, 64, 64) : in, quick ? 2 : batch, Math.min(runs, 3));
                    System.err.printf(java.util.Locale.ROOT, "%-12s %s batch %d: training %,8.1f images/s, inference %,8.1f images/s, batch-1 latency %,8.1f ms%n",
                            spec, quick ? Shape.of(3, 64, 64) : in, quick ? 2 : batch, s.trainImagesPerSec(), s.inferImagesPerSec(), s.latencyMs());
                    models.add(new Json().put("model", spec).put("input", (quick ? Shape.of(3, 64, 64) : in).toString()).put("batch", quick ? 2 : batch)
                            .put("train_images_per_sec", s.trainImagesPerSec()).put("infer_images_per_sec", s.inferImagesPerSec()).put("latency_ms", s.latencyMs()));
                    continue;
                }
                // models heavier than lenet: fewer images per timed pass, so the section stays minutes long
                int images = quick ? 320 : Math.min(trainImages, spec.startsWith("resnet") ? 1920 : 3200);
                ModelBench.Result mr = ModelBench.run(b, sets[0], quick ? sets[1].limit(256) : sets[1].limit(2048), spec, images, Math.min(runs, 3));
                System.err.printf(java.util.Locale.ROOT, "%-10s training %,10.0f images/s, inference %,10.0f images/s; training at %.0f%% of the peak (%.0f MFLOP per image)%n",
                        spec, mr.trainImagesPerSec(), mr.inferImagesPerSec(), 100 * mr.trainGflops() / peak.gflops(), 6.0 * mr.multiplyAdds() / 1e6);
                models.add(new Json().put("model", spec).put("train_images_per_sec", mr.trainImagesPerSec()).put("infer_images_per_sec", mr.inferImagesPerSec())
                        .put("train_fraction_of_peak", mr.trainGflops() / peak.gflops()));
            }
            ConvGeom small = new ConvGeom(8, 3, 16, 16, 8, 3, 3, 1, 1);
            ConvBench.Result ref, dev;
            try (ReferenceBackend rb = new ReferenceBackend()) {
                ref = ConvBench.run(rb, small, Math.min(runs, 3));
            }
            dev = ConvBench.run(b, small, runs);
            System.err.printf(java.util.Locale.ROOT, "%n(d) reference backend, conv 8,3,16,16,8,3,3,1,1 forward+backward: %.2f ms (device: %.2f ms, %.0fx)%n",
                    ref.totalMs(), dev.totalMs(), ref.totalMs() / dev.totalMs());
            Json out = new Json().put("device", b.name()).put("runs", runs).put("fma_peak_gflops", peak.gflops()).put("gemm", gemm).put("gemm_lenet", lenetGemm).put("conv", conv)
                    .put("train_images_per_sec", m.trainImagesPerSec()).put("infer_images_per_sec", m.inferImagesPerSec())
                    .put("reference_conv_ms", ref.totalMs()).put("device_conv_ms", dev.totalMs()).put("models", models);
            System.out.println(out);
            return 0;
        }
    }

    private static String variant(ClBackend b, GemmBench.Case c) {
        return b.gemmPlan().variant(c.ta(), c.tb(), c.m(), c.n(), c.k()).toString();
    }

    private static void printGemm(ClBackend b, GemmBench.Result r) {
        GemmBench.Case c = r.c();
        System.err.printf(java.util.Locale.ROOT, "%-12s %-22s %10.1f %10.1f %8.2f  %s%n", c.name(), c.m() + "x" + c.n() + "x" + c.k() + " " + (c.ta() ? "T" : "N") + (c.tb() ? "T" : "N"),
                r.clconvGflops(), r.clblastGflops(), r.ratio(), variant(b, c));
    }
}
