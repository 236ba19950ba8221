package io.github.clconv.cli;

import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The training display in a real terminal: tmux at 80 and 132 columns, read with
 * capture-pane while lenet trains two epochs with an empty tuning cache. The live line never
 * wraps (joined rows never pass the width), shows an ETA, the first run's measuring shows as
 * progress and one summary line, and the run ends with exactly one line per epoch and no
 * debris. Without tmux the test fails with the package to install.
 */
class TerminalTest {
    @TempDir
    Path dir;

    private static String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", "clconv-test"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD"); // the pane's shell as a user's has it: libjsig for java alone, as bin/clconv sets it
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void theLiveLineFitsAt80And132Columns() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/tmux"))) {
            fail("tmux is missing: apt-get install -y tmux");
        }
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 6400, 500, 28, false, 3L);
        for (int width : new int[]{80, 132}) {
            Path work = Files.createDirectory(dir.resolve("w" + width)), done = work.resolve("done");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cmd = String.join(" ", "env", io.github.clconv.opencl.SignalChaining.preload(), java, "-cp", System.getProperty("java.class.path"), "-Dclconv.cache=" + work.resolve("cache"),
                    "io.github.clconv.cli.Main", "train", "--data", data.toString(), "--model", "lenet-bn", "--epochs", "2", "--log-every", "5",
                    "--save", work.resolve("m.safetensors").toString(), ">", work.resolve("out.json").toString(), ";", "touch", done.toString(), ";", "sleep", "600");
            tmux("kill-session", "-t", "t" + width);
            tmux("new-session", "-d", "-s", "t" + width, "-x", String.valueOf(width), "-y", "50", "bash", "-c", cmd);
            List<String> seen = new ArrayList<>();
            String last = "";
            try {
                for (int i = 0; i < 1200 && !Files.exists(done); i++) {
                    last = tmux("capture-pane", "-p", "-J", "-t", "t" + width);
                    seen.add(last);
                    Thread.sleep(100);
                }
                assertTrue(Files.exists(done), width + " columns: the run did not end in two minutes:\n" + last);
                last = tmux("capture-pane", "-p", "-J", "-t", "t" + width);
            } finally {
                tmux("kill-session", "-t", "t" + width);
            }
            boolean live = false, measuring = false;
            for (String screen : seen) {
                for (String line : screen.lines().toList()) {
                    if (line.startsWith("epoch ") || line.startsWith("measuring ")) {
                        assertTrue(line.stripTrailing().length() < width, width + " columns: a line that wraps (" + line.length() + "):\n" + screen);
                    }
                    live |= line.startsWith("epoch ") && line.contains("ETA ") && line.contains("step ");
                    measuring |= line.startsWith("measuring ");
                }
            }
            System.out.println("TerminalTest at " + width + " columns, at the end:\n" + last.strip());
            assertTrue(live, width + " columns: no live line with step and ETA was seen in " + seen.size() + " captures");
            List<String> lines = last.strip().lines().toList();
            assertEquals(1, lines.stream().filter(l -> l.startsWith("epoch 1/2")).count(), last);
            assertEquals(1, lines.stream().filter(l -> l.startsWith("epoch 2/2")).count(), last);
            assertTrue(lines.stream().anyMatch(l -> l.matches("measured \\d+ convolution shapes? in .*")), "the measuring's summary:\n" + last);
            assertFalse(last.contains("ETA") || last.contains("INFO") || last.contains("measuring "), "debris or log lines at the end:\n" + last);
            assertTrue(measuring || lines.stream().anyMatch(l -> l.startsWith("measured ")), last);
            assertTrue(Files.readString(work.resolve("out.json")).contains("\"test_accuracy\""));
        }
    }

    /** At every width from 46 (what the step count and the ETA take) to 200 columns the live line fits, keeps the step count and the ETA, and grows its bar only to 30. */
    @Test
    void theLiveLineFitsEveryWidth() {
        for (int w = 46; w <= 200; w++) {
            String line = Progress.barLine(w, 12, 0.4321, 4321, 10000, 123456.7, 0.123456, 3725);
            assertTrue(line.length() <= w, w + ": " + line);
            assertTrue(line.contains("step 4321/10000") && line.contains("ETA 1:02:05") && line.startsWith("epoch 12"), w + ": " + line);
            if (w >= 120) {
                assertTrue(line.contains("[" + "=".repeat(13) + " ".repeat(17) + "]") && line.contains("loss 0.1235") && line.contains("123,457 img/s"),
                        w + ": " + line);
            }
        }
    }
}
