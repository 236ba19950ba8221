package io.github.clconv.cli;

import io.github.clconv.data.Dataset;
import io.github.clconv.opencl.ClDevices;
import io.github.clconv.opencl.DeviceInfo;
import io.github.clconv.opencl.SignalChaining;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Explain what clconv finds and what is missing, each problem with the command that fixes it.",
                "Checks the OpenCL loader, the ICD files, platforms and devices, why no GPU was chosen, the JVM's signal handlers, the PoCL cache and the dataset.",
                "Exits 1 when something needed is missing."})
final class DoctorCommand implements Callable<Integer> {
    private static final List<String> LIB_DIRS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/usr/local/lib", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib");
    private final List<String> problems = new ArrayList<>();

    @Override
    public Integer call() {
        loader();
        List<String> icds = icdFiles();
        List<DeviceInfo> devices = devices();
        gpu(devices, icds);
        signals();
        poclCache();
        dataset();
        mpi();
        System.err.println(problems.isEmpty() ? "\nall good" : "\n" + problems.size() + " problem(s); the fix follows each '!' line above");
        System.out.println(new Json().put("ok", problems.isEmpty()).put("problems", problems)
                .put("devices", devices.stream().map(DeviceInfo::describe).toList()));
        return problems.isEmpty() ? 0 : 1;
    }

    /** The driver's compiler (LLVM) replaces the JVM's signal handlers unless the JVM chains them (SignalChaining). */
    private void signals() {
        System.err.println("Signal handlers (the JVM's, while the driver compiles kernels):");
        Optional<String> llvm = SignalChaining.llvm();
        if (SignalChaining.active()) {
            ok("the JVM chains signals (libjsig preloaded)" + llvm.map(l -> ": " + l + " cannot take its handlers").orElse(""));
        } else if (llvm.isPresent()) {
            problem(llvm.get() + " (the driver's compiler) takes the JVM's signal handlers, and this JVM does not chain them: builds can fail"
                    + " and the JVM die of SIGSEGV", "run clconv as bin/clconv, or start java with " + SignalChaining.preload());
        } else {
            ok("no LLVM in this process: nothing takes the JVM's signal handlers");
        }
    }

    /** MPI is optional (multi-process training only): reported, never a problem. */
    private void mpi() {
        System.err.println("MPI (multi-process training under mpirun, optional):");
        String why = io.github.clconv.parallel.Mpi.probe();
        boolean launcher = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/mpirun"));
        if (why == null && launcher) {
            ok("Open MPI's libmpi.so and mpirun: `mpirun -np N bin/clconv train ...` trains on N ranks");
        } else {
            System.err.println("  --  MPI is not usable (" + (why != null ? why : "no mpirun") + "); to train across processes:"
                    + " sudo apt-get install openmpi-bin libopenmpi-dev");
        }
    }

    private void ok(String what) {
        System.err.println("  ok  " + what);
    }

    private void problem(String what, String fix) {
        System.err.println("  !   " + what + "\n      fix: " + fix);
        problems.add(what + " -- fix: " + fix);
    }

    private void loader() {
        System.err.println("OpenCL ICD loader (libOpenCL.so, what JOCL loads):");
        Path found = find("libOpenCL.so");
        if (found != null) {
            ok(found.toString());
        } else if (find("libOpenCL.so.1") != null) {
            problem("only " + find("libOpenCL.so.1") + " is installed; JOCL needs the unversioned libOpenCL.so",
                    "sudo apt-get install ocl-icd-opencl-dev");
        } else {
            problem("no libOpenCL.so in " + LIB_DIRS, "sudo apt-get install ocl-icd-opencl-dev");
        }
    }

    private List<String> icdFiles() {
        String env = System.getenv("OCL_ICD_VENDORS");
        Path dir = Path.of(env != null && Files.isDirectory(Path.of(env)) ? env : "/etc/OpenCL/vendors");
        System.err.println("ICD files in " + dir + (env != null ? " (from OCL_ICD_VENDORS)" : "") + ":");
        List<String> libs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problem(dir + " does not exist: no OpenCL driver is registered", "sudo apt-get install pocl-opencl-icd (CPU), or your GPU vendor's OpenCL driver");
            return libs;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path icd : files.filter(p -> p.toString().endsWith(".icd")).sorted().toList()) {
                String lib = Files.readString(icd).strip();
                libs.add(lib);
                Path resolved = lib.startsWith("/") ? (Files.exists(Path.of(lib)) ? Path.of(lib) : null) : find(lib);
                if (resolved != null) {
                    ok(icd.getFileName() + " -> " + resolved);
                } else {
                    System.err.println("  --  " + icd.getFileName() + " -> " + lib + " (library not present on this machine; the loader skips it)");
                }
            }
        } catch (IOException e) {
            problem("cannot read " + dir + ": " + e.getMessage(), "check its permissions");
        }
        if (libs.isEmpty()) {
            problem("no .icd file in " + dir, "sudo apt-get install pocl-opencl-icd (CPU), or your GPU vendor's OpenCL driver");
        }
        return libs;
    }

    private List<DeviceInfo> devices() {
        System.err.println("Platforms and devices:");
        try {
            List<DeviceInfo> all = ClDevices.list();
            DeviceInfo auto = all.isEmpty() ? null : ClDevices.choose(all, "auto");
            for (DeviceInfo d : all) {
                ok(d.index() + ": " + d.describe() + (d == auto ? "   <- --device auto" : ""));
            }
            if (all.isEmpty()) {
                // PoCL lists nothing when its cache folder is unwritable: reinstalling would not help
                if (poclCacheDir() != null) {
                    problem("OpenCL lists no device, and PoCL's cache folder " + poclCacheDir() + " cannot be written",
                            "export POCL_CACHE_DIR=/a/writable/folder");
                } else {
                    problem("OpenCL lists no device", "sudo apt-get install pocl-opencl-icd");
                }
            }
            return all;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            problem("OpenCL cannot be used: " + e.getMessage(), "sudo apt-get install ocl-icd-opencl-dev pocl-opencl-icd");
            return List.of();
        }
    }

    private void gpu(List<DeviceInfo> devices, List<String> icds) {
        if (devices.stream().anyMatch(DeviceInfo::gpu)) {
            return;
        }
        System.err.println("Why no GPU:");
        boolean nvidiaIcd = icds.stream().anyMatch(l -> l.contains("nvidia"));
        if (nvidiaIcd && find("libnvidia-opencl.so.1") == null) {
            System.err.println("  --  nvidia.icd is registered but libnvidia-opencl.so.1 is absent: no NVIDIA driver here"
                    + " (in Docker: run with --gpus all and the NVIDIA container toolkit, NVIDIA_DRIVER_CAPABILITIES=compute,utility)");
        } else if (!nvidiaIcd) {
            System.err.println("  --  no GPU driver registers an OpenCL ICD (e.g. nvidia.icd, intel.icd, amdocl64.icd); --device auto uses the CPU");
        } else {
            System.err.println("  --  a GPU ICD is registered and its library exists, but it reports no GPU device: check the driver with `clinfo -l`");
        }
    }

    /** The PoCL cache folder when it cannot be created or written, else null. */
    private static Path poclCacheDir() {
        String env = System.getenv("POCL_CACHE_DIR");
        Path dir = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "pocl");
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && Files.isWritable(existing) ? null : dir;
    }

    private void poclCache() {
        String env = System.getenv("POCL_CACHE_DIR");
        Path dir = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "pocl");
        System.err.println("PoCL kernel cache (compiled kernels, reused between runs):");
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && Files.isWritable(existing)) {
            ok(dir + (env != null ? " (POCL_CACHE_DIR)" : "") + (Files.exists(dir) ? "" : " (created on first use)"));
        } else {
            problem(dir + " cannot be created or written: PoCL then lists no device at all", "export POCL_CACHE_DIR=/a/writable/folder");
        }
    }

    private void dataset() {
        System.err.println("Default dataset (Fashion-MNIST):");
        Path d = Dataset.DEFAULT_DIR;
        boolean all = Stream.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
                .allMatch(f -> Files.isRegularFile(d.resolve(f + ".gz")) || Files.isRegularFile(d.resolve(f)));
        if (all) {
            ok(d.toString());
        } else {
            problem("Fashion-MNIST is not in " + d + " (needed unless you pass --data DIR)", "sudo apt-get install dataset-fashion-mnist");
        }
    }

    private static Path find(String lib) {
        for (String dir : LIB_DIRS) {
            Path p = Path.of(dir, lib);
            if (Files.exists(p)) {
                return p;
            }
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String dir : ld.split(":")) {
                if (!dir.isEmpty() && Files.exists(Path.of(dir, lib))) {
                    return Path.of(dir, lib);
                }
            }
        }
        return null;
    }
}
