package io.github.clconv.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.clconv.data.SyntheticData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands end to end on generated data: exit codes, the JSON summaries, the files they write. */
class CommandsTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
        JsonObject summary() {
            String[] lines = out.strip().split("\n");
            return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        }
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Main.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainEvalPredictOnGeneratedData() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        SyntheticData.folder(data, 1280, 300, 12, false, 9L);
        Path ckpt = dir.resolve("out/m.safetensors"), metrics = dir.resolve("m.jsonl"), plot = dir.resolve("p.png");
        Run train = run("train", "--data", data.toString(), "--model", "conv(8,3)-relu-maxpool(2)-flatten-linear(10)", "--epochs", "2",
                "--batch", "32", "--lr", "0.05", "--save", ckpt.toString(), "--metrics", metrics.toString(), "--log-every", "10",
                "--plot", plot.toString(), "--val-split", "0.1");
        assertEquals(0, train.status(), train.err());
        JsonObject s = train.summary();
        for (String k : List.of("model", "device", "epochs", "train_loss", "test_loss", "test_accuracy", "images_per_sec", "seconds", "val_accuracy")) {
            assertTrue(s.has(k), "summary has " + k + ": " + s);
        }
        assertEquals(2, s.get("epochs").getAsInt());
        assertTrue(s.get("test_accuracy").getAsDouble() > 0.9, s.toString());
        assertTrue(Files.size(ckpt) > 0 && Files.size(plot) > 0);
        List<String> lines = Files.readAllLines(metrics);
        // 1152 training images / 32 = 36 steps per epoch: steps 10, 20, 30, 36 logged, then the epoch line
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(10, first.get("step").getAsInt());
        assertEquals(1, first.get("epoch").getAsInt());
        assertTrue(lines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).anyMatch(o -> o.has("step") && o.get("step").getAsInt() == 72),
                lines.toString());
        assertEquals(2, lines.stream().filter(l -> l.contains("test_accuracy")).count());

        Run eval = run("eval", "--load", ckpt.toString(), "--data", data.toString());
        assertEquals(0, eval.status(), eval.err());
        assertEquals(s.get("test_accuracy").getAsDouble(), eval.summary().get("test_accuracy").getAsDouble(), 1e-9);
        assertEquals(s.get("model").getAsString(), eval.summary().get("model").getAsString());
        assertTrue(eval.summary().has("images_per_sec"));
        com.google.gson.JsonArray confusion = eval.summary().getAsJsonArray("confusion");
        int total = 0, diagonal = 0;
        for (int r = 0; r < confusion.size(); r++) {
            for (int c = 0; c < confusion.size(); c++) {
                int v = confusion.get(r).getAsJsonArray().get(c).getAsInt();
                total += v;
                diagonal += r == c ? v : 0;
            }
        }
        assertEquals(300, total, "every test image counted once");
        assertEquals(eval.summary().get("test_accuracy").getAsDouble(), diagonal / 300.0, 1e-9, "the diagonal is the accuracy");
        assertEquals(10, eval.summary().getAsJsonArray("per_class_accuracy").size());
        double top5 = eval.summary().get("top5_accuracy").getAsDouble();
        assertTrue(top5 >= eval.summary().get("test_accuracy").getAsDouble() && top5 <= 1, "top-5 " + top5);

        Run predict = run("predict", "--load", ckpt.toString(), data.resolve("t10k-images-idx3-ubyte").toString());
        assertEquals(0, predict.status(), predict.err());
        assertEquals(300, predict.summary().getAsJsonArray("predictions").size());
    }

    /** A folder of colour PNGs, three classes told apart by colour: trains, saves the class names, predict names them. */
    @Test
    void trainsOnAColourImageFolderAndPredictsByName() throws Exception {
        Path root = dir.resolve("photos");
        java.util.Random rnd = new java.util.Random(12);
        String[] classes = {"blue", "green", "red"};
        for (String set : new String[]{"train", "test"}) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < (set.equals("train") ? 40 : 10); i++) {
                    java.awt.image.BufferedImage im = new java.awt.image.BufferedImage(10, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
                    for (int p = 0; p < 100; p++) {
                        int noise = rnd.nextInt(60), strong = 150 + rnd.nextInt(100);
                        int rgb = c == 0 ? noise << 16 | noise << 8 | strong : c == 1 ? noise << 16 | strong << 8 | noise : strong << 16 | noise << 8 | noise;
                        im.setRGB(p % 10, p / 10, rgb);
                    }
                    Path f = root.resolve(set + "/" + classes[c] + "/" + i + ".png");
                    Files.createDirectories(f.getParent());
                    javax.imageio.ImageIO.write(im, "png", f.toFile());
                }
            }
        }
        Path ckpt = dir.resolve("photos.safetensors");
        Run train = run("train", "--data", root.toString(), "--model", "conv(4,3)-relu-maxpool(2)-flatten-linear(3)", "--epochs", "3",
                "--batch", "8", "--lr", "0.05", "--save", ckpt.toString());
        assertEquals(0, train.status(), train.err());
        assertTrue(train.summary().get("test_accuracy").getAsDouble() > 0.9, train.summary().toString());
        Run predict = run("predict", "--load", ckpt.toString(), root.resolve("test/red/3.png").toString());
        assertEquals(0, predict.status(), predict.err());
        JsonObject p = predict.summary().getAsJsonArray("predictions").get(0).getAsJsonObject();
        assertEquals("red", p.get("label").getAsString(), p.toString());
        Run wrong = run("train", "--data", root.toString(), "--model", "flatten-linear(10)", "--epochs", "1");
        assertEquals(2, wrong.status());
        assertTrue(wrong.err().contains("3 classes") && wrong.err().contains("linear(3)"), wrong.err());
    }

    /** AdamW with a one-cycle schedule and warm-up trains; the metrics show the learning rate rising, then falling. */
    @Test
    void schedulesAndAdamW() throws Exception {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("sched")), 640, 100, 12, false, 4L);
        Path metrics = dir.resolve("lr.jsonl");
        Run r = run("train", "--data", data.toString(), "--model", "flatten-linear(10)", "--epochs", "2", "--batch", "32",
                "--optimizer", "adamw", "--weight-decay", "0.01", "--lr", "0.01", "--schedule", "onecycle", "--warmup", "3",
                "--log-every", "1", "--metrics", metrics.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.summary().get("test_accuracy").getAsDouble() > 0.5, r.summary().toString());
        List<Double> lr = Files.readAllLines(metrics).stream().filter(l -> JsonParser.parseString(l).getAsJsonObject().get("type").getAsString().equals("step"))
                .map(l -> JsonParser.parseString(l).getAsJsonObject().get("lr").getAsDouble()).toList();
        assertEquals(40, lr.size());
        int peak = lr.indexOf(lr.stream().max(Double::compare).orElseThrow());
        assertTrue(peak > 3 && peak < 20, "peak at step " + peak + ": " + lr);
        assertTrue(lr.get(0) < lr.get(peak) / 25 && lr.get(39) < lr.get(peak) / 1000, lr.toString());

        Path csv = dir.resolve("m.csv");
        assertEquals(0, run("train", "--data", data.toString(), "--model", "flatten-linear(10)", "--epochs", "1", "--batch", "32",
                "--log-every", "5", "--metrics", csv.toString()).status());
        List<String> rows = Files.readAllLines(csv);
        assertEquals(String.join(",", MetricsFile.CSV_COLUMNS), rows.get(0));
        assertEquals(1 + 4 + 1, rows.size(), "a header, 4 step rows (20 steps, every 5th), an epoch row: " + rows);
        assertTrue(rows.get(1).startsWith("step,1,5,") && rows.get(5).startsWith("epoch,1,,"), rows.toString());
        assertEquals(MetricsFile.CSV_COLUMNS.size(), rows.get(5).split(",", -1).length);
    }

    /** --normalize keeps the training set's statistics in the checkpoint; eval applies them and reports the same accuracy. */
    @Test
    void normalisationTravelsWithTheCheckpoint() throws Exception {
        Path data = SyntheticData.folder(Files.createDirectory(dir.resolve("norm")), 320, 100, 12, false, 8L);
        Path ckpt = dir.resolve("n.safetensors");
        Run train = run("train", "--data", data.toString(), "--model", "flatten-linear(10)", "--epochs", "2", "--batch", "32",
                "--normalize", "--save", ckpt.toString());
        assertEquals(0, train.status(), train.err());
        var meta = io.github.clconv.train.Checkpoint.read(ckpt);
        double[][] norm = meta.normalization(ckpt);
        assertEquals(1, norm[0].length);
        assertTrue(norm[0][0] > 0 && norm[1][0] > 0, java.util.Arrays.deepToString(norm));
        Run eval = run("eval", "--load", ckpt.toString(), "--data", data.toString());
        assertEquals(0, eval.status(), eval.err());
        assertEquals(train.summary().get("test_accuracy").getAsDouble(), eval.summary().get("test_accuracy").getAsDouble(), 1e-9);
        io.github.clconv.data.Dataset d = io.github.clconv.data.Dataset.load(data)[0];
        double[][] after = d.normalized(norm[0], norm[1]).channelStats();
        assertEquals(0, after[0][0], 1e-5, "the training set has mean 0 after normalisation");
        assertEquals(1, after[1][0], 1e-4, "and standard deviation 1");
    }

    @Test
    void benchReportsEveryFigure() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        SyntheticData.folder(data, 640, 256, 28, true, 3L);
        Run bench = run("bench", "--quick", "--runs", "1", "--data", data.toString());
        assertEquals(0, bench.status(), bench.err());
        JsonObject s = bench.summary();
        for (String k : List.of("device", "fma_peak_gflops", "gemm", "gemm_lenet", "conv", "train_images_per_sec", "infer_images_per_sec", "reference_conv_ms")) {
            assertTrue(s.has(k), "bench JSON has " + k + ": " + s);
        }
        double peak = s.get("fma_peak_gflops").getAsDouble();
        for (var e : s.getAsJsonArray("conv")) { // no layer can beat the device's multiply-add rate by more than Winograd's 4x fewer products
            double f = e.getAsJsonObject().get("fraction_of_peak").getAsDouble();
            assertTrue(peak > 0 && f > 0 && f < 5, "fraction of the " + peak + " GFLOP/s peak: " + e);
        }
        JsonObject first = s.getAsJsonArray("gemm").get(0).getAsJsonObject();
        for (String k : List.of("n", "clconv_gflops", "clblast_gflops")) {
            assertTrue(first.has(k) && first.get(k).getAsDouble() > 0, "gemm entry has a positive " + k + ": " + first);
        }
        assertTrue(s.get("train_images_per_sec").getAsDouble() > 0);
    }

    @Test
    void userErrorsAreOneLineAndExitTwo() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        SyntheticData.folder(data, 64, 16, 12, true, 9L);
        Run badModel = run("train", "--data", data.toString(), "--model", "conv(8,3)-reluu");
        assertEquals(2, badModel.status());
        assertTrue(badModel.err().startsWith("clconv: model spec: unknown layer 'reluu'"), badModel.err());
        assertEquals(1, badModel.err().strip().lines().count(), badModel.err());

        Run noData = run("train", "--data", dir.resolve("nowhere").toString());
        assertEquals(2, noData.status());
        assertTrue(noData.err().contains("no such folder"), noData.err());

        Path ckpt = dir.resolve("keep.safetensors");
        Files.writeString(ckpt, "previous");
        Run nan = run("train", "--data", data.toString(), "--model", "flatten-linear(10)", "--lr", "3e38", "--batch", "8",
                "--log-every", "1", "--save", ckpt.toString());
        assertEquals(2, nan.status());
        assertTrue(nan.err().contains("smaller learning rate"), nan.err());
        assertEquals("previous", Files.readString(ckpt), "a diverged run overwrites nothing");

        Run notAFile = run("eval", "--load", data.resolve("train-labels-idx1-ubyte.gz").toString(), "--data", data.toString());
        assertEquals(2, notAFile.status());
        assertFalse(notAFile.err().contains("Exception"), notAFile.err());

        Run badDevice = run("verify", "--device", "7");
        assertEquals(2, badDevice.status());
        assertTrue(badDevice.err().contains("device 7"), badDevice.err());
    }

    @Test
    void aBadOptionIsOneLineWithExitStatus2() {
        for (String[] args : new String[][]{{"train", "--lr", "nan"}, {"train", "--nesterv"}, {"trian"}}) {
            Run r = run(args);
            assertEquals(2, r.status(), String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("clconv: ") && r.err().contains("--help"), r.err());
        }
        assertTrue(run("train", "--nesterv").err().contains("did you mean --nesterov"));
    }
}
