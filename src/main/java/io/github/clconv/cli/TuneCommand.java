package io.github.clconv.cli;

import io.github.clconv.opencl.ClBackend;
import io.github.clconv.opencl.GemmTuner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Time the GEMM kernels' candidate block sizes on a device and keep the fastest in ~/.cache/clconv",
                "(per device name and driver version); later runs on that device use them. Takes about a minute."})
final class TuneCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "OpenCL device: auto, gpu, cpu or an index. Default: ${DEFAULT-VALUE}.")
    String device;

    @Override
    public Integer call() throws Exception {
        try (ClBackend b = ClBackend.open(device)) {
            System.err.println("tune: " + b.name() + " (current: " + b.gemmParams() + ")");
            List<Object> rows = new ArrayList<>();
            GemmTuner.tune(b, t -> {
                System.err.printf("  %-8s %-18s %8.1f GFLOP/s%n", t.kernel(), t.params(), t.gflops());
                rows.add(new Json().put("kernel", t.kernel()).put("params", t.params()).put("gflops", t.gflops()));
            });
        }
        try (ClBackend b = ClBackend.open(device)) {
            System.err.println("saved under " + GemmTuner.cacheDir() + ": " + b.gemmParams());
            System.out.println(new Json().put("device", b.name()).put("gemm_params", b.gemmParams().toString())
                    .put("cache", GemmTuner.cacheDir().toString()));
        }
        return 0;
    }
}
