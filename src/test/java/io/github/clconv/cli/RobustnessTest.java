package io.github.clconv.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.clconv.data.SyntheticData;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Robustness, round 3 (issue 24), beside HostileInputTest's first rounds and in its terms: inputs that are hostile, odd or merely large, each ending
 * in one clear line and status 2 (or a working run where the input is valid), within
 * seconds, with nothing written that should not be.
 */
class RobustnessTest {
    private static final String SMALL = "conv(4,3)-relu-maxpool(2)-flatten-linear(10)";
    @TempDir
    Path dir;
    Path data;

    @BeforeEach
    void data() throws IOException {
        data = SyntheticData.folder(Files.createDirectory(dir.resolve("data")), 128, 32, 12, false, 5L);
    }

    private static void failsInOneLine(CommandsTest.Run r, String expected) {
        HostileInputTest.failsInOneLine(r, expected);
    }

    /** A run that starts (its first lines say what it trains) and then stops with one error line. */
    private static void lastLineFails(CommandsTest.Run r, String expected) {
        assertEquals(2, r.status(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("clconv: ") && lines.get(lines.size() - 1).contains(expected), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    private CommandsTest.Run train(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--model", SMALL, "--batch", "16", "--progress", "none"));
        args.addAll(List.of(more));
        return run(args.toArray(new String[0]));
    }

    @Test
    void aDeviceListNamingAMissingDeviceIsRefusedAtOnce() {
        long t0 = System.nanoTime();
        failsInOneLine(train("--devices", "0,7", "--save", dir.resolve("m.safetensors").toString()), "there is no device 7");
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "no hang");
        assertFalse(Files.exists(dir.resolve("m.safetensors")));
    }

    /** A PNG whose header claims 46000 x 46000: grey, 8 bits, one tiny IDAT (2.1 GB were allocated before it was refused). */
    static byte[] pngClaiming(int w, int h) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[]{0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        out.writeInt(body.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(body);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(body);
        out.writeInt((int) crc.getValue());
    }

    private Path imageFolder() throws IOException {
        Path f = dir.resolve("photos");
        for (String c : new String[]{"cat", "dog"}) {
            for (String set : new String[]{"train", "test"}) {
                Files.createDirectories(f.resolve(set).resolve(c));
                for (int i = 0; i < 3; i++) {
                    java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                    im.getRaster().setSample(i, c.length(), 0, 200);
                    javax.imageio.ImageIO.write(im, "png", f.resolve(set).resolve(c).resolve(i + ".png").toFile());
                }
            }
        }
        return f;
    }

    @Test
    void aHugeImageHeaderIsRefusedBeforeDecoding() throws IOException {
        Path f = imageFolder();
        Files.write(f.resolve("train/cat/bomb.png"), pngClaiming(46000, 46000));
        long t0 = System.nanoTime();
        CommandsTest.Run r = run("train", "--data", f.toString(), "--model", "flatten-linear(2)", "--save", dir.resolve("m.safetensors").toString());
        failsInOneLine(r, "bomb.png: its header claims 46000 x 46000 pixels");
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "refused at once");
        Path ckpt = trainedSmall(dir.resolve("s.safetensors"));
        failsInOneLine(run("predict", "--load", ckpt.toString(), f.resolve("train/cat/bomb.png").toString()), "megapixels");
    }

    private Path trainedSmall(Path ckpt) {
        CommandsTest.Run r = train("--save", ckpt.toString());
        assertEquals(0, r.status(), r.err());
        return ckpt;
    }

    @Test
    void emptyOrDanglingClassFoldersAreRefusedByName() throws IOException {
        Path f = imageFolder();
        Files.createDirectory(f.resolve("train/zebra"));
        failsInOneLine(run("train", "--data", f.toString(), "--model", "flatten-linear(3)"), "train/zebra: a class folder with no .png or .jpg image");
        Files.delete(f.resolve("train/zebra"));
        Files.createSymbolicLink(f.resolve("train/loop"), f.resolve("train/loop"));
        failsInOneLine(run("train", "--data", f.toString(), "--model", "flatten-linear(2)"), "train/loop: a symbolic link that leads nowhere");
        Files.delete(f.resolve("train/loop"));
        Files.createSymbolicLink(f.resolve("train/up"), f.resolve("train")); // a link to its parent: a class whose folder holds no image
        failsInOneLine(run("train", "--data", f.toString(), "--model", "flatten-linear(3)"), "train/up: a class folder with no .png");
    }

    @Test
    void aCifarFolderWithAStrayFileSaysWhatIsWrong() throws IOException {
        Path c = Files.createDirectory(dir.resolve("cifar"));
        byte[] records = new byte[3 * 3073];
        for (String f : new String[]{"data_batch_1.bin", "test_batch.bin", "train.bin"}) {
            Files.write(c.resolve(f), records);
        }
        failsInOneLine(run("train", "--data", c.toString()), "holds both CIFAR-10 files");
        Files.delete(c.resolve("data_batch_1.bin"));
        Files.delete(c.resolve("test_batch.bin"));
        Files.createDirectory(c.resolve("test.bin"));
        failsInOneLine(run("train", "--data", c.toString()), "test.bin is not a regular file");
    }

    @Test
    void inputsThatAreNotRegularFilesAreRefusedWithoutOpeningThem() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
        Path ckpt = trainedSmall(dir.resolve("m.safetensors"));
        long t0 = System.nanoTime();
        failsInOneLine(run("predict", "--load", fifo.toString(), data.resolve("t10k-images-idx3-ubyte").toString()), "not a regular file");
        failsInOneLine(run("predict", "--load", dir.toString(), data.resolve("t10k-images-idx3-ubyte").toString()), "is a folder");
        failsInOneLine(run("predict", "--load", ckpt.toString(), fifo.toString()), "not a regular file");
        failsInOneLine(run("eval", "--load", fifo.toString(), "--data", data.toString()), "not a regular file");
        failsInOneLine(train("--load", fifo.toString()), "not a regular file");
        failsInOneLine(run("train", "--data", fifo.toString()), "is a file, not a data folder");
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "no hang on a FIFO");
    }

    @Test
    void outputsThatCollideAreRefusedBeforeTraining() throws IOException {
        Path save = dir.resolve("m.safetensors");
        failsInOneLine(train("--save", save.toString(), "--plot", dir.resolve("./m.safetensors").toString()), "names the same file as --save");
        failsInOneLine(train("--save", save.toString(), "--metrics", dir.resolve("m.state.safetensors").toString()), "--save's state file");
        Files.createSymbolicLink(dir.resolve("link.svg"), dir.resolve("plot.svg"));
        failsInOneLine(train("--save", save.toString(), "--plot", dir.resolve("plot.svg").toString(), "--metrics", dir.resolve("link.svg").toString()),
                "names the same file as --plot");
        assertFalse(Files.exists(save), "nothing trained");
        Path ckpt = trainedSmall(dir.resolve("first.safetensors"));
        byte[] before = Files.readAllBytes(ckpt);
        failsInOneLine(train("--load", ckpt.toString(), "--save", save.toString(), "--plot", ckpt.toString()), "names the checkpoint the run starts from");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(ckpt)));
        // a plot into a place no file can be created: refused before the checkpoint is written
        failsInOneLine(train("--save", save.toString(), "--plot", "/proc/clconv-plot.png"), "cannot create a file in /proc");
        assertFalse(Files.exists(save));
    }

    @Test
    void validSizesAtTheirLimitsWork() throws IOException {
        CommandsTest.Run r = train("--eval-batch", "2147483647", "--data-budget", "9223372036854775807", "--save", dir.resolve("m.safetensors").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.summary().get("test_accuracy").getAsDouble() >= 0);
    }

    /** 20,000 classes: per-class accuracy for each, no 20,000-square confusion matrix (1.6 GB at every evaluation). */
    @Test
    void manyClassesEvaluateWithoutAQuadraticMatrix() throws IOException {
        Path many = Files.createDirectory(dir.resolve("many"));
        int n = 300, classes = 20_000;
        java.util.Random rnd = new java.util.Random(3);
        for (String prefix : new String[]{"train", "t10k"}) {
            byte[] px = new byte[n * 64];
            rnd.nextBytes(px);
            SyntheticData.write(many.resolve(prefix + "-images-idx3-ubyte"), SyntheticData.idx(0x803, new int[]{n, 8, 8}, px), false);
            ByteBuffer labels = ByteBuffer.allocate(2 * n).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < n; i++) {
                labels.putShort((short) (i == 0 ? classes - 1 : rnd.nextInt(classes)));
            }
            SyntheticData.write(many.resolve(prefix + "-labels-idx1-ubyte"), SyntheticData.idx(0xB01, new int[]{n}, labels.array()), false);
        }
        Path ckpt = dir.resolve("many.safetensors");
        CommandsTest.Run t = run("train", "--data", many.toString(), "--model", "flatten-linear(" + classes + ")", "--batch", "32", "--save", ckpt.toString(),
                "--progress", "none");
        assertEquals(0, t.status(), t.err());
        CommandsTest.Run e = run("eval", "--load", ckpt.toString(), "--data", many.toString());
        assertEquals(0, e.status(), e.err());
        JsonObject s = e.summary();
        assertEquals(classes, s.getAsJsonArray("per_class_accuracy").size());
        assertNull(s.get("confusion"));
    }

    /** predict batches its images: 600 from an IDX file come back as 600 predictions, the same as one at a time. */
    @Test
    void predictTakesManyImagesInBatches() throws IOException {
        Path many = Files.createDirectory(dir.resolve("idx"));
        SyntheticData.folder(many, 16, 600, 12, false, 9L);
        Path ckpt = trainedSmall(dir.resolve("m.safetensors"));
        Path images = many.resolve("t10k-images-idx3-ubyte");
        CommandsTest.Run r = run("predict", "--load", ckpt.toString(), images.toString());
        assertEquals(0, r.status(), r.err());
        JsonArray all = r.summary().getAsJsonArray("predictions");
        assertEquals(600, all.size());
        assertEquals(images + "#599", all.get(599).getAsJsonObject().get("image").getAsString());
        // image 300 alone, written as its own IDX file, is predicted alike
        byte[] raw = Files.readAllBytes(images);
        byte[] one = java.util.Arrays.copyOfRange(raw, 16 + 300 * 144, 16 + 301 * 144);
        Path single = dir.resolve("one-idx3-ubyte");
        SyntheticData.write(single, SyntheticData.idx(0x803, new int[]{1, 12, 12}, one), false);
        CommandsTest.Run r1 = run("predict", "--load", ckpt.toString(), single.toString());
        assertEquals(0, r1.status(), r1.err());
        JsonObject a = all.get(300).getAsJsonObject(), b = r1.summary().getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertEquals(a.get("class"), b.get("class"));
        assertEquals(a.get("probability").getAsDouble(), b.get("probability").getAsDouble(), 1e-5);
    }

    @Test
    void aDamagedStateFileOrAnotherModelsNamesTheFileNotAnException() throws IOException {
        Path ckpt = trainedSmall(dir.resolve("m.safetensors"));
        Path state = dir.resolve("m.state.safetensors");
        HostileInputTest.editHeader(state, h -> h.getAsJsonObject("__metadata__").addProperty("clconv.state.optimizer_step", "2147483647"));
        CommandsTest.Run r = train("--resume", ckpt.toString(), "--epochs", "2");
        lastLineFails(r, "m.state.safetensors: clconv.state.optimizer_step is '2147483647'");
        assertTrue(r.err().contains("--load"), r.err());
        // a state file that belongs to another run
        Path other = trainedSmall(dir.resolve("other.safetensors"));
        Files.copy(dir.resolve("other.state.safetensors"), state, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        lastLineFails(train("--resume", ckpt.toString(), "--epochs", "2"), "cannot resume");
        assertTrue(Files.exists(other));
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        Path ckpt = trainedSmall(dir.resolve("m.safetensors"));
        HostileInputTest.editHeader(ckpt, h -> {
            JsonObject w = h.getAsJsonObject("0.weight"), b = h.getAsJsonObject("0.bias");
            long begin = w.getAsJsonArray("data_offsets").get(0).getAsLong();
            JsonArray o = new JsonArray();
            o.add(begin);
            o.add(begin + 16); // the bias's four floats are the weight's first four
            b.add("data_offsets", o);
        });
        failsInOneLine(run("eval", "--load", ckpt.toString(), "--data", data.toString()), "share bytes of the data section");
    }

    /** Under a Turkish and a German locale the CLI trains, and its files keep '.' decimals ("tiled".toUpperCase() was "TİLED"). */
    @Test
    void localesChangeNothing() throws Exception {
        for (String[] locale : new String[][]{{"tr", "TR"}, {"de", "DE"}}) {
            Path out = Files.createDirectory(dir.resolve(locale[0]));
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Duser.language=" + locale[0],
                    "-Duser.country=" + locale[1], "-Dclconv.cache=" + out.resolve("cache"), "-cp", System.getProperty("java.class.path"),
                    "io.github.clconv.cli.Main", "train", "--data", data.toString(), "--model", SMALL, "--batch", "16",
                    "--optimizer", "ADAM", "--lr", "0.001", "--conv-algo", "im2col", "--metrics", out.resolve("m.csv").toString(),
                    "--plot", out.resolve("p.svg").toString(), "--save", out.resolve("m.safetensors").toString(), "--progress", "none");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(out.resolve("err").toFile())
                    .redirectOutput(out.resolve("out").toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), locale[0] + ": finished");
            String err = Files.readString(out.resolve("err"));
            assertEquals(0, p.exitValue(), locale[0] + ":\n" + err);
            assertFalse(err.contains("Exception"), err);
            List<String> lines = Files.readString(out.resolve("out")).strip().lines().toList();
            JsonObject summary = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
            assertTrue(summary.get("test_loss").getAsDouble() > 0, summary.toString());
            List<String> csv = Files.readAllLines(out.resolve("m.csv"));
            int columns = csv.get(0).split(",", -1).length;
            for (String line : csv) {
                assertEquals(columns, line.split(",", -1).length, locale[0] + ": a decimal comma in " + line);
            }
            String svg = Files.readString(out.resolve("p.svg"));
            assertFalse(svg.matches("(?s).*>\\d+,\\d+<.*"), locale[0] + ": a tick label with a decimal comma");
            assertEquals(4, Checkpoint.read(out.resolve("m.safetensors")).tensors().size());
        }
    }
}
