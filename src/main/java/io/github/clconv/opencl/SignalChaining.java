package io.github.clconv.opencl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the JVM keeps its signal handlers while an OpenCL driver compiles kernels in the same process.
 *
 * <p>LLVM (inside PoCL and Mesa's rusticl) installs its own handlers for SIGSEGV, SIGBUS, SIGILL, SIGINT, SIGTERM and
 * more whenever its compiler writes a file, with SA_RESETHAND, and leaves them installed. The JVM takes SIGSEGV in
 * normal running (safepoint polls, null checks in compiled code); each such fault then enters LLVM's handler first,
 * which deletes the compiler's temporary files (the build fails: "unable to rename temporary ...") and puts the
 * JVM's handler back, and a second thread's fault in that moment meets the default action: the JVM dies of SIGSEGV
 * with no crash log. With the JDK's libjsig preloaded the JVM keeps its handlers and only chains to LLVM's for faults
 * that are not its own. bin/clconv, the Docker image and the test forks preload it; a JVM started otherwise is told
 * once (docs/DESIGN.md, "Signals").
 */
public final class SignalChaining {
    private static final Logger log = LoggerFactory.getLogger(SignalChaining.class);
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final Pattern LLVM = Pattern.compile("/(libLLVM[^/\\s]*\\.so[^/\\s]*)\\s*$", Pattern.MULTILINE);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SignalChaining() {
    }

    /** Whether the JDK's signal-chaining library is loaded into this process (it must be preloaded to work). */
    public static boolean active() {
        return maps().map(m -> m.contains("/libjsig.so")).orElse(false);
    }

    /** The LLVM library loaded into this process (by an OpenCL driver), whose handlers replace the JVM's; empty when none. */
    public static Optional<String> llvm() {
        return maps().flatMap(m -> {
            Matcher x = LLVM.matcher(m);
            return x.find() ? Optional.of(x.group(1)) : Optional.empty();
        });
    }

    /** The environment setting that makes a JVM started from this one's Java keep its handlers. */
    public static String preload() {
        return "LD_PRELOAD=" + Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
    }

    /** Says once per process, after a driver is loaded, when its compiler can take the JVM's signal handlers. */
    static void warnOnce() {
        if (WARNED.get() || active()) {
            return;
        }
        Optional<String> lib = llvm();
        if (lib.isPresent() && WARNED.compareAndSet(false, true)) {
            log.warn("{} in this process (the OpenCL driver's compiler) takes the JVM's signal handlers while it compiles"
                    + " kernels: a build can fail or the JVM die of SIGSEGV; start java as bin/clconv does, with {}", lib.get(), preload());
        }
    }

    private static Optional<String> maps() {
        try {
            return Files.isReadable(MAPS) ? Optional.of(Files.readString(MAPS)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not Linux, or no /proc: nothing to say either way
        }
    }
}
