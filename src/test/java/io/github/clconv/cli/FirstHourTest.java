package io.github.clconv.cli;

import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a new user trips on (issue 25, item 5): each answer says what was meant and what to do. */
class FirstHourTest {
    @TempDir
    Path dir;

    private static void saysInOneLine(CommandsTest.Run r, String... expected) {
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e), "'" + e + "' in: " + r.err());
        }
    }

    @Test
    void aMistypedPresetIsNamed() {
        saysInOneLine(run("train", "--model", "lenet_bn"), "did you mean lenet-bn?", "the presets are lenet, lenet-bn, resnet20");
        saysInOneLine(run("train", "--model", "resnet-20"), "did you mean resnet20?");
        saysInOneLine(run("train", "--model", "conv(4,3)-relux"), "unknown layer 'relux'");
    }

    @Test
    void helpListsThePresetsTheGrammarAndTheTests() {
        CommandsTest.Run h = run("train", "--help");
        String text = (h.out() + h.err()).replaceAll("\\s+", ""); // picocli wraps lines where it likes
        assertTrue(text.contains("lenet,lenet-bn,resnet20") && text.contains("res[BODY|SHORTCUT]") && text.contains("conv(K,R,"), text);
        CommandsTest.Run top = run("--help");
        assertTrue((top.out() + top.err()).contains("bin/clconv test"), top.out() + top.err());
    }

    @Test
    void anotherModelsCheckpointSaysWhichModelItHolds() throws IOException {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 64, 32, 12, false, 1L);
        Path ckpt = dir.resolve("m.safetensors");
        assertEquals(0, run("train", "--data", data.toString(), "--model", "conv(4,3)-relu-flatten-linear(10)", "--batch", "16", "--save", ckpt.toString())
                .status());
        saysInOneLine(run("eval", "--load", ckpt.toString(), "--data", data.toString(), "--model", "conv(8,3)-relu-flatten-linear(10)"),
                "the file holds the model 'conv(4,3)-relu-flatten-linear(10)'", "drop --model");
    }

    @Test
    void aFolderOfNoFormatListsEveryFormat() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("nothing"));
        Files.writeString(empty.resolve("notes.txt"), "hello");
        saysInOneLine(run("train", "--data", empty.toString()), "not a data folder clconv reads", "IDX", "CIFAR", "image folder");
    }
}
