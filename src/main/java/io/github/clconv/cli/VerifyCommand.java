package io.github.clconv.cli;

import io.github.clconv.backend.Backend;
import io.github.clconv.backend.ReferenceBackend;
import io.github.clconv.verify.CheckResult;
import io.github.clconv.verify.OpCatalog;
import io.github.clconv.verify.OpFamily;
import io.github.clconv.verify.Pair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Run every op forward and backward on a device against the pure-Java reference over a fixed, seeded set of shapes.",
                "Prints a table on stderr and one JSON line on stdout; exits 1 when any case fails."})
final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "auto", description = "Device: " + Backends.DEVICE_HELP + ". Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--cases", defaultValue = "6", description = "Shapes per op family (the first ones are fixed edge cases). Default: ${DEFAULT-VALUE}.")
    int cases;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random shapes and data. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--only", split = ",", description = "Only these op families (e.g. gemm,conv2d); default: all.")
    Set<String> only;

    @Option(names = "--conv-algo", paramLabel = "ALGO", description = Backends.CONV_ALGO_HELP)
    String convAlgo;
    @Option(names = "--gemm", paramLabel = "VARIANT", description = Backends.GEMM_HELP)
    String gemm;

    @Option(names = "--movement", paramLabel = "row|element",
            description = "Lay the convolution's data movement (im2col, col2im, reorders) out as a row or an element per work-item,"
                    + " instead of the device's measured choice.")
    String movement;

    @Override
    public Integer call() {
        if (cases < 1) {
            throw new IllegalArgumentException("--cases must be >= 1, got " + cases);
        }
        if (only != null) {
            Set<String> known = new LinkedHashSet<>();
            OpCatalog.all().forEach(f -> known.add(f.name()));
            for (String o : only) {
                if (!known.contains(o)) {
                    throw new IllegalArgumentException("--only " + o + ": no such op family; the families are " + String.join(",", known));
                }
            }
        }
        try (Backend dev = Backends.open(device, gemm, movement, convAlgo); ReferenceBackend ref = new ReferenceBackend()) {
            System.err.println("verify: " + dev.name() + " against the reference, seed " + seed + ", " + cases + " cases per op family");
            System.err.println(CheckResult.header());
            Set<String> ops = new LinkedHashSet<>();
            int total = 0, failed = 0;
            for (OpFamily family : OpCatalog.all()) {
                if (only != null && !only.contains(family.name())) {
                    continue;
                }
                for (int i = 0; i < cases; i++) {
                    for (CheckResult r : family.run(new Pair(dev, ref), seed, i)) {
                        ops.add(r.op());
                        total++;
                        System.err.println(r.row());
                        if (!r.ok()) {
                            failed++;
                            System.err.println("    " + r.mismatches());
                        }
                    }
                }
            }
            System.err.printf(java.util.Locale.ROOT, "%d ops, %d cases, %d failed%n", ops.size(), total, failed);
            System.out.println(new Json().put("ops", ops.size()).put("cases", total).put("failed", failed).put("device", dev.name()));
            return failed == 0 ? 0 : 1;
        }
    }
}
