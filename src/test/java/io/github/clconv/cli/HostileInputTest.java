package io.github.clconv.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a hostile or careless user can hand the commands: each case ends in one line on
 * stderr saying what is wrong, exit status 2, within seconds, and leaves every file that
 * was there before as it was. The hostile files are written here.
 */
class HostileInputTest {
    private static final String SMALL = "conv(4,3)-relu-maxpool(2)-flatten-linear(10)";
    @TempDir
    Path dir;
    Path data;

    @BeforeEach
    void data() throws IOException {
        data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 128, 32, 12, false, 5L);
    }

    static void failsInOneLine(CommandsTest.Run r, String expected) {
        assertEquals(2, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), "'" + expected + "' in: " + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        assertFalse(r.err().length() > 600, "a short message: " + r.err().length() + " characters");
    }

    private Path trained(String name) {
        Path ckpt = dir.resolve(name);
        CommandsTest.Run r = run("train", "--data", data.toString(), "--model", SMALL, "--epochs", "1", "--batch", "16", "--save", ckpt.toString());
        assertEquals(0, r.status(), r.err());
        return ckpt;
    }

    /** Rewrites a safetensors file's header through edit (its tensors stay as they are). */
    static void editHeader(Path file, java.util.function.Consumer<JsonObject> edit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject h = JsonParser.parseString(new String(all, 8, (int) len, StandardCharsets.UTF_8)).getAsJsonObject();
        edit.accept(h);
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + all.length - 8 - (int) len).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(all, 8 + (int) len, all.length - 8 - (int) len);
        Files.write(file, out.array());
    }

    @Test
    void aDivergedRunSavesNothingAndFails() throws IOException {
        Path ckpt = dir.resolve("keep.safetensors");
        Files.writeString(ckpt, "previous");
        CommandsTest.Run r = run("train", "--data", data.toString(), "--model", SMALL, "--limit", "64", "--batch", "64", "--optimizer", "adam",
                "--lr", "1e38", "--save", ckpt.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("smaller learning rate") || r.err().contains("smaller --lr"), r.err());
        assertEquals("previous", Files.readString(ckpt));
    }

    @Test
    void aCheckpointWithNonFiniteWeightsIsRefused() throws IOException {
        Path ckpt = trained("m.safetensors");
        byte[] all = Files.readAllBytes(ckpt);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putFloat(8 + (int) len + 4, Float.POSITIVE_INFINITY);
        Files.write(ckpt, all);
        failsInOneLine(run("eval", "--load", ckpt.toString(), "--data", data.toString()), "NaN or infinite");
        Path out = dir.resolve("again.safetensors");
        failsInOneLine(run("train", "--data", data.toString(), "--load", ckpt.toString(), "--epochs", "1", "--save", out.toString()),
                "NaN or infinite");
        assertFalse(Files.exists(out));
    }

    @Test
    void metadataCannotMakeClconvAllocateWhatTheFileDoesNotHold() throws IOException {
        Path ckpt = trained("m.safetensors");
        Path big = dir.resolve("big.safetensors"), wide = dir.resolve("wide.safetensors"), deep = dir.resolve("deep.safetensors");
        Files.copy(ckpt, big);
        Files.copy(ckpt, wide);
        Files.copy(ckpt, deep);
        editHeader(big, h -> h.getAsJsonObject("__metadata__").addProperty("clconv.model", "conv(100000,5)-relu-flatten-linear(10)"));
        editHeader(wide, h -> h.getAsJsonObject("__metadata__").addProperty("clconv.input", "1,600,600"));
        editHeader(deep, h -> h.getAsJsonObject("__metadata__").addProperty("clconv.model", "relu-".repeat(20_000) + "flatten-linear(10)"));
        long t0 = System.nanoTime();
        failsInOneLine(run("eval", "--load", big.toString(), "--data", data.toString()), "does not fit the model");
        failsInOneLine(run("predict", "--load", wide.toString(), data.resolve("t10k-images-idx3-ubyte").toString()), "does not fit the model");
        failsInOneLine(run("eval", "--load", deep.toString(), "--data", data.toString()), "at most");
        assertTrue(System.nanoTime() - t0 < 20e9, "rejected before anything large is built");
    }

    @Test
    void idxHeadersThatClaimMoreThanTheFileHoldsAreRefusedCheaply() throws IOException {
        Path bad = Files.createDirectory(dir.resolve("bad"));
        for (String f : new String[]{"train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            Files.copy(data.resolve(f), bad.resolve(f));
        }
        SyntheticData.write(bad.resolve("train-labels-idx1-ubyte.gz"), SyntheticData.idx(0x801, new int[]{Integer.MAX_VALUE}, new byte[100]), true);
        failsInOneLine(run("train", "--data", bad.toString(), "--epochs", "1"), "truncated");
        Files.delete(bad.resolve("train-labels-idx1-ubyte.gz"));
        Files.copy(data.resolve("train-labels-idx1-ubyte"), bad.resolve("train-labels-idx1-ubyte"));
        SyntheticData.write(bad.resolve("train-images-idx3-ubyte"), SyntheticData.idx(0x803, new int[]{46341, 46340, 1}, new byte[4000]), false);
        failsInOneLine(run("train", "--data", bad.toString(), "--epochs", "1"), "truncated");
    }

    @Test
    void outputsAndShapesAreCheckedBeforeTheFirstStep() throws IOException {
        Path blocker = Files.writeString(dir.resolve("a-file"), "x");
        for (String opt : new String[]{"--save", "--plot", "--metrics"}) {
            CommandsTest.Run r = run("train", "--data", data.toString(), "--model", SMALL, "--epochs", "1", opt, blocker.resolve("out").toString());
            failsInOneLine(r, "a-file");
            assertFalse(r.err().contains("epoch 1"), "failed before training: " + r.err());
        }
        Path devNull = Path.of("/dev/null");
        CommandsTest.Run r = run("train", "--data", data.toString(), "--model", SMALL, "--epochs", "1", "--save", devNull.toString());
        failsInOneLine(r, "not a regular file");
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "/dev/null is still a device");

        Path mixed = Files.createDirectory(dir.resolve("mixed"));
        Path other = SyntheticData.folder(Files.createDirectory(dir.resolve("other")), 16, 16, 14, false, 6L);
        for (String f : new String[]{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
            Files.copy(data.resolve(f), mixed.resolve(f));
        }
        for (String f : new String[]{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            Files.copy(other.resolve(f), mixed.resolve(f));
        }
        failsInOneLine(run("train", "--data", mixed.toString(), "--model", SMALL, "--epochs", "1"), "one image size");
    }

    @Test
    void aModelThatDoesNotFitTheDataIsRefused() {
        failsInOneLine(run("train", "--data", data.toString(), "--model", "flatten-linear(7)", "--epochs", "1"), "linear(10)");
        failsInOneLine(run("train", "--data", data.toString(), "--model", "flatten", "--epochs", "1"), "linear(10)");
        failsInOneLine(run("verify", "--only", "nosuchop"), "no such op family");
        failsInOneLine(run("train", "--data", data.toString(), "--optimizer", "adam", "--momentum", "0.5"), "--optimizer sgd only");
        failsInOneLine(run("train", "--data", data.toString(), "--schedule", "linear"), "schedule 'linear'");
    }

    @Test
    void savingWritesThroughSymlinksAndKeepsPermissions() throws IOException {
        Path real = dir.resolve("real.safetensors"), link = dir.resolve("link.safetensors");
        Files.writeString(real, "old");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Files.createSymbolicLink(link, real.getFileName());
        CommandsTest.Run r = run("train", "--data", data.toString(), "--model", SMALL, "--epochs", "1", "--save", link.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertTrue(Files.size(real) > 100, "its target holds the checkpoint");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)), "an existing file keeps its mode");

        Path fresh = dir.resolve("fresh.safetensors"), probe = Files.createFile(dir.resolve("probe"));
        assertEquals(0, run("train", "--data", data.toString(), "--model", SMALL, "--epochs", "1", "--save", fresh.toString()).status());
        assertEquals(Files.getPosixFilePermissions(probe), Files.getPosixFilePermissions(fresh), "a new file gets the umask's mode");
        try (var left = Files.list(dir)) {
            assertEquals("[]", Arrays.toString(left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toArray()), "no temporary files left");
        }
    }
}
