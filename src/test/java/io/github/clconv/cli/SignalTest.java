package io.github.clconv.cli;

import io.github.clconv.data.SyntheticData;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SIGINT and SIGTERM at random moments of a training that saves a checkpoint several times a
 * second (lenet on 64 images an epoch, so a good part of the time is spent saving): the JVM
 * never crashes, no temporary file is left, and the checkpoint on disk is absent (no epoch
 * finished) or whole, its state file of the same generation.
 */
class SignalTest {
    @TempDir
    Path dir;

    @Test
    void aSignalAtAnyMomentLeavesAWholeCheckpointOrNone() throws Exception {
        long seed = 20261205L;
        System.out.println("SignalTest seed " + seed);
        Random rnd = new Random(seed);
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 64, 32, 28, false, 7L);
        int trials = 24, stopped = 0;
        List<String> seen = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            Path work = Files.createDirectory(dir.resolve("run" + t)), save = work.resolve("ck/m.safetensors");
            String signal = t % 2 == 0 ? "INT" : "TERM";
            long delayMs = 700 + rnd.nextInt(2600);
            // perl resets a SIGINT that a background shell ignored, so the JVM sees the signal as a terminal would send it
            ProcessBuilder pb = new ProcessBuilder(List.of("perl", "-e", "$SIG{INT}='DEFAULT'; $SIG{TERM}='DEFAULT'; exec @ARGV",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                    "-Dclconv.cache=" + System.getProperty("clconv.cache", dir.resolve("cache").toString()), "io.github.clconv.cli.Main", "train", "--data", data.toString(), "--epochs", "400", "--batch", "32", "--progress", "none",
                    "--save", save.toString())).directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("log").toFile());
            Process p = pb.start();
            Thread.sleep(delayMs);
            // perl (Debian's perl-base is essential) sends it: the kill binary is not on every bare image
            new ProcessBuilder("perl", "-e", "kill '" + signal + "', " + p.pid()).start().waitFor();
            if (!p.waitFor(WAIT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("trial " + t + ": still running " + WAIT_S + " s after SIG" + signal + ":\n" + Files.readString(work.resolve("log")));
            }
            String log = Files.readString(work.resolve("log"));
            int rc = p.exitValue();
            seen.add("SIG" + signal + "@" + delayMs + "ms->" + rc);
            assertTrue(rc == 0 || rc == 128 + (signal.equals("INT") ? 2 : 15), "trial " + t + " (SIG" + signal + " after " + delayMs + " ms): exit " + rc + "\n" + log);
            stopped += rc == 0 ? 0 : 1;
            assertTrue(!log.contains("Exception") && !log.contains("\tat "), "trial " + t + ": a stack trace\n" + log);
            try (Stream<Path> all = Files.walk(work)) {
                List<String> names = all.filter(Files::isRegularFile).map(f -> work.relativize(f).toString()).sorted().toList();
                assertTrue(names.stream().noneMatch(n -> n.startsWith("hs_err") || n.endsWith(".tmp")), "trial " + t + ": " + names + "\n" + log);
            }
            if (Files.exists(save)) {
                Checkpoint.Contents model = Checkpoint.read(save), state = Checkpoint.read(work.resolve("ck/m.state.safetensors"));
                assertEquals(model.metadata().get("clconv.generation"), state.metadata().get("clconv.generation"), "trial " + t + ": a torn pair");
                assertTrue(model.tensors().size() >= 8, "trial " + t + ": " + model.tensors().keySet());
            }
        }
        System.out.println("SignalTest trials: " + seen);
        assertTrue(stopped >= trials / 2, "most signals should land during the run: " + seen);
    }

    /** Shutdown.GRACE_S plus the JVM's own start and stop. */
    private static final long WAIT_S = io.github.clconv.util.Shutdown.GRACE_S + 15;
}
