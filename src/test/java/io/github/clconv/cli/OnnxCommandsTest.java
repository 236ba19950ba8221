package io.github.clconv.cli;

import io.github.clconv.data.SyntheticData;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** clconv export, and an .onnx file wherever a checkpoint is taken: eval gives the checkpoint's numbers, train fine-tunes it. */
class OnnxCommandsTest {
    @TempDir
    Path dir;

    @Test
    void exportThenEvalAndTrainFromTheOnnxFile() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        SyntheticData.folder(data, 640, 200, 12, false, 11L);
        Path ckpt = dir.resolve("m.safetensors"), onnx = dir.resolve("m.onnx");
        CommandsTest.Run train = CommandsTest.run("train", "--data", data.toString(), "--model", "conv(8,3,p=1)-bn-relu-maxpool(2)-conv(8,3)-bn-relu6-gap-linear(10)",
                "--epochs", "2", "--batch", "32", "--lr", "0.05", "--save", ckpt.toString(), "--progress", "none", "--normalize");
        assertEquals(0, train.status(), train.err());
        CommandsTest.Run export = CommandsTest.run("export", "--load", ckpt.toString(), "--output", onnx.toString());
        assertEquals(0, export.status(), export.err());
        assertTrue(export.err().contains("opset 13"), export.err());
        assertEquals(Checkpoint.read(ckpt).classNames(), Checkpoint.read(onnx).classNames(), "class names travel in metadata_props");
        assertEquals(java.util.Arrays.deepToString(Checkpoint.read(ckpt).normalization(ckpt)), java.util.Arrays.deepToString(Checkpoint.read(onnx).normalization(onnx)));

        CommandsTest.Run a = CommandsTest.run("eval", "--load", ckpt.toString(), "--data", data.toString());
        CommandsTest.Run b = CommandsTest.run("eval", "--load", onnx.toString(), "--data", data.toString());
        assertEquals(0, a.status(), a.err());
        assertEquals(0, b.status(), b.err());
        assertEquals(a.summary().get("test_accuracy").getAsDouble(), b.summary().get("test_accuracy").getAsDouble());
        assertEquals(a.summary().get("test_loss").getAsDouble(), b.summary().get("test_loss").getAsDouble(), 1e-6);

        Path tuned = dir.resolve("tuned.safetensors");
        CommandsTest.Run ft = CommandsTest.run("train", "--data", data.toString(), "--load", onnx.toString(), "--epochs", "1", "--batch", "32",
                "--lr", "0.01", "--save", tuned.toString(), "--progress", "none");
        assertEquals(0, ft.status(), ft.err());
        assertTrue(Checkpoint.read(tuned).shapes().containsKey("0.weight"), "the imported chain keeps its state_dict names");

        // a folded export is one node fewer per conv+bn pair and gives the same scores
        Path folded = dir.resolve("folded.onnx");
        assertEquals(0, CommandsTest.run("export", "--load", ckpt.toString(), "--output", folded.toString(), "--fold-bn", "--opset", "17").status());
        CommandsTest.Run c = CommandsTest.run("eval", "--load", folded.toString(), "--data", data.toString());
        assertEquals(a.summary().get("test_loss").getAsDouble(), c.summary().get("test_loss").getAsDouble(), 1e-5);
    }

    @Test
    void badExportsAreOneLineErrorsAndLeaveNothing() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        SyntheticData.folder(data, 64, 32, 12, false, 12L);
        Path ckpt = dir.resolve("m.safetensors");
        assertEquals(0, CommandsTest.run("train", "--data", data.toString(), "--model", "conv(4,3)-gn(2)-relu-flatten-linear(10)", "--epochs", "1",
                "--save", ckpt.toString(), "--progress", "none").status());
        for (String[] args : new String[][]{
                {"--opset", "9"}, {"--opset", "18"}}) {
            CommandsTest.Run r = CommandsTest.run(concat(new String[]{"export", "--load", ckpt.toString(), "--output", dir.resolve("x.onnx").toString()}, args));
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains("opsets 11 to 17"), r.err());
        }
        CommandsTest.Run gn = CommandsTest.run("export", "--load", ckpt.toString(), "--output", dir.resolve("gn.onnx").toString());
        assertTrue(gn.status() != 0 && gn.err().contains("has no ONNX export"), gn.err());
        CommandsTest.Run same = CommandsTest.run("export", "--load", ckpt.toString(), "--output", ckpt.toString());
        assertTrue(same.status() != 0 && same.err().contains("is the --load file"), same.err());
        for (String f : new String[]{"x.onnx", "gn.onnx"}) {
            assertFalse(Files.exists(dir.resolve(f)), f + " left behind");
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary file left");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
