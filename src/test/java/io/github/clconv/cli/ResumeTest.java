package io.github.clconv.cli;

import io.github.clconv.data.SyntheticData;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run stopped after an epoch and resumed ends with the same weights, bit for bit, as one that never stopped. */
class ResumeTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedRunResumesToIdenticalWeights() throws Exception {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 256, 64, 12, false, 21L);
        List<String> common = List.of("--data", data.toString(), "--model", "conv(4,3)-relu-maxpool(2)-flatten-dropout(0.3)-linear(10)",
                "--batch", "32", "--optimizer", "adam", "--lr", "0.01", "--warmup", "5", "--augment", "hflip,crop:1", "--seed", "5");
        Path whole = dir.resolve("whole.safetensors"), parts = dir.resolve("parts.safetensors");
        CommandsTest.Run a = run(args(common, "--epochs", "3", "--save", whole.toString()));
        assertEquals(0, a.status(), a.err());
        CommandsTest.Run b1 = run(args(common, "--epochs", "1", "--save", parts.toString()));
        assertEquals(0, b1.status(), b1.err());
        assertTrue(Files.exists(dir.resolve("parts.state.safetensors")), "the state file is written beside the model");
        CommandsTest.Run b2 = run(args(common, "--epochs", "3", "--resume", parts.toString()));
        assertEquals(0, b2.status(), b2.err());
        assertTrue(b2.err().contains("resuming"), b2.err());
        Map<String, float[]> x = Checkpoint.read(whole).tensors(), y = Checkpoint.read(parts).tensors();
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k), y.get(k), k + ": resumed weights equal the uninterrupted run's bit for bit");
        }
        assertEquals(a.summary().get("test_accuracy").getAsDouble(), b2.summary().get("test_accuracy").getAsDouble(), 0);

        CommandsTest.Run done = run(args(common, "--epochs", "3", "--resume", parts.toString()));
        assertEquals(2, done.status());
        assertTrue(done.err().contains("already trained 3 epochs"), done.err());

        // a state file from another save is refused, not paired with this model
        Files.copy(dir.resolve("whole.state.safetensors"), dir.resolve("parts.state.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        CommandsTest.Run mismatch = run(args(common, "--epochs", "4", "--resume", parts.toString()));
        assertEquals(2, mismatch.status());
        assertTrue(mismatch.err().contains("another version of the model"), mismatch.err());
    }

    private static String[] args(List<String> common, String... more) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(common);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
