package io.github.clconv.cli;

import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.GemmPlan;
import io.github.clconv.opencl.GemmTuner;
import io.github.clconv.opencl.GemmVariant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Choose the fastest correct GEMM variant per shape class, and the data-movement layout, for a device.",
                "Times every GEMM variant (register-blocked, packed, work-group-tiled, CLBlast; their block sizes) on each shape class",
                "(transposes x small/large, nt.long: A * B^T with a long K, and nn.kept: small products of weights kept packed), checks each against a double-precision product, and keeps the fastest",
                "correct one per class in ~/.cache/clconv (per device name and driver version); later runs on that device use them."})
final class TuneCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "OpenCL device: auto, gpu, cpu or an index. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--budget", defaultValue = "120", paramLabel = "SECONDS",
            description = "About how long to spend timing, shared among the classes; what does not fit is left untimed. Default: ${DEFAULT-VALUE}.")
    double budget;

    @Option(names = "--class", split = ",", paramLabel = "CLASS",
            description = "Only these shape classes (nn.small, nn.large, nn.kept, nt.vec, nt.small, nt.large, nt.long, ... tt.large); the others keep their plan.")
    List<String> classes;

    @Option(names = "--candidates", split = ";", paramLabel = "VARIANT",
            description = "Time these variants (separated by ';', e.g. 'tiled TSM=64 TSN=64 TSK=8 WM=8 WN=8 LOCAL=1;clblast') instead of the built-in set.")
    List<String> candidates;

    @Override
    public Integer call() throws Exception {
        if (!(budget > 0)) {
            throw new IllegalArgumentException("--budget " + budget + ": expected a positive number of seconds");
        }
        try (ClBackend b = ClBackend.open(device)) {
            System.err.println("tune: " + b.name() + ", budget " + budget + " s (current plan: " + b.gemmPlan().source() + ")");
            List<Object> rows = new ArrayList<>();
            List<GemmVariant> extra = candidates == null ? null : candidates.stream().map(GemmVariant::parse).toList();
            GemmTuner.Result r = GemmTuner.tune(b, budget, classes == null ? GemmPlan.CLASSES : classes, extra, t -> {
                System.err.printf(java.util.Locale.ROOT, "  %-9s %-44s %s%n", t.shapeClass(), t.variant(),
                        t.note() == null ? String.format(java.util.Locale.ROOT, "%8.2f GFLOP/s", t.gflops()) : t.note());
                rows.add(new Json().put("class", t.shapeClass()).put("variant", t.variant().toString())
                        .put("gflops", Double.isNaN(t.gflops()) ? null : t.gflops()).put("note", t.note()));
            });
            Json plan = new Json();
            for (String c : GemmPlan.CLASSES) {
                System.err.printf(java.util.Locale.ROOT, "chosen %-9s %s%n", c, r.plan().variant(c));
                plan.put(c, r.plan().variant(c).toString());
            }
            io.github.clconv.opencl.Tuners.Movement mv = io.github.clconv.opencl.Tuners.tuneMovement(b);
            System.err.printf(java.util.Locale.ROOT, "data movement (im2col of a lenet layer): a row per work-item %.3f ms, an element per work-item %.3f ms: %s%n",
                    mv.rowMs(), mv.elementMs(), mv.elementwise() ? "element" : "row");
            plan.put("movement", mv.elementwise() ? "element" : "row");
            if (io.github.clconv.opencl.Tuners.forgetConvChoices(b)) {
                System.err.println("the per-layer convolution choices (im2col, Winograd or direct) will be measured again with this plan as layers come");
            }
            System.err.println("saved under " + GemmTuner.cacheDir());
            System.out.println(new Json().put("device", b.name()).put("plan", plan).put("timings", rows)
                    .put("cache", GemmTuner.cacheDir().toString()));
        }
        return 0;
    }
}
