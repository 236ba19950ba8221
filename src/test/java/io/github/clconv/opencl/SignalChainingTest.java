package io.github.clconv.opencl;

import io.github.clconv.TestDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CI's FineTuneTest fork died of SIGSEGV (exit 139, no crash log) after a training: PoCL's LLVM had taken the JVM's
 * signal handlers while compiling (SignalChaining). Without the JDK's libjsig preloaded, SignalChainingProbe's 40
 * builds under collections either kill the JVM the same way or fail nearly all ("unable to rename temporary": LLVM's
 * handler deleted the compiler's files); with it, every build passes. The forks run as bin/clconv runs clconv.
 */
class SignalChainingTest {
    @TempDir
    Path dir;

    @Test
    void theTestJvmKeepsItsSignalHandlers() {
        TestDevices.cl(); // loads the driver, and with it its compiler
        assertTrue(SignalChaining.active(), "the test fork runs without libjsig (surefire's LD_PRELOAD in pom.xml): "
                + SignalChaining.llvm().orElse("the driver's compiler") + " can take the JVM's signal handlers");
    }

    @Test
    void kernelsCompileWhileTheJvmCollectsGarbage() throws Exception {
        TestDevices.cl();
        long seed = 20261207L;
        System.out.println("SignalChainingTest seed " + seed);
        String out = probe(Map.of(), "40", "8", Long.toString(seed));
        assertTrue(out.contains("chained true"), out);
        assertTrue(out.contains("built 40, failed 0"), "builds failed while the JVM collected garbage:\n" + out);
        System.out.println("SignalChainingTest: " + out.lines().filter(l -> l.startsWith("built")).findFirst().orElseThrow());
    }

    @Test
    void aJvmStartedWithoutChainingIsToldHowToStartIt() throws Exception {
        TestDevices.cl();
        String out = probe(Map.of("LD_PRELOAD", ""), "1", "0", "1");
        assertTrue(out.contains("chained false"), out);
        // the probe opens no ClContext: ask clconv itself, as a user's `java -jar` would
        Path log = dir.resolve("doctor.log");
        List<String> cmd = List.of(java(), "-cp", System.getProperty("java.class.path"), "io.github.clconv.cli.Main", "doctor");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "doctor did not finish in 120 s");
        String doctor = Files.readString(log);
        assertTrue(doctor.contains("this JVM does not chain them") && doctor.contains(SignalChaining.preload()), doctor);
        assertEquals(1, p.exitValue(), doctor);
    }

    private String probe(Map<String, String> env, String... args) throws Exception {
        Path log = dir.resolve("probe-" + args[0] + ".log");
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                SignalChainingProbe.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("POCL_CACHE_DIR", Files.createDirectories(dir.resolve("pocl-" + args[0])).toString()); // nothing compiled yet
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("SignalChainingProbe did not finish in 300 s:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), "SignalChainingProbe (exit 139: the JVM died of SIGSEGV in the compiler's handler):\n" + out);
        return out;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
