package io.github.clconv.cli;

import com.google.gson.JsonObject;
import io.github.clconv.train.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static io.github.clconv.cli.CommandsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Graph models and image folders from the command line: a folder of class folders with no
 * test set (held out by --val-split), a residual spec and resnet20 trained on it, the class
 * count taken from the data, the checkpoint evaluated and used by predict.
 */
class GraphTrainingTest {
    static final long SEED = 31L;
    static final List<String> CLASSES = List.of("blue", "green", "red");
    @TempDir
    static Path dir;
    static Path photos;

    /** 3 classes of 12 x 10 colour images: the class's channel is bright in a band whose place varies, on noise. */
    @BeforeAll
    static void photos() throws IOException {
        photos = Files.createDirectory(dir.resolve("photos"));
        Random rnd = new Random(SEED);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 40; i++) {
                BufferedImage im = new BufferedImage(10, 12, BufferedImage.TYPE_INT_RGB);
                int band = rnd.nextInt(8);
                for (int y = 0; y < 12; y++) {
                    for (int x = 0; x < 10; x++) {
                        int[] rgb = {rnd.nextInt(90), rnd.nextInt(90), rnd.nextInt(90)};
                        if (y >= band && y < band + 4) {
                            rgb[2 - c] = 160 + rnd.nextInt(96); // blue is channel 2, red channel 0
                        }
                        im.setRGB(x, y, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                    }
                }
                Path f = photos.resolve(CLASSES.get(c) + "/" + i + ".png");
                Files.createDirectories(f.getParent());
                ImageIO.write(im, "png", f.toFile());
            }
        }
    }

    @Test
    void aFolderWithoutATestSetNeedsValSplit() {
        CommandsTest.Run r = run("train", "--data", photos.toString(), "--model", "conv(4,3)-gap-linear(3)");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("no test set") && r.err().contains("--val-split"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        CommandsTest.Run e = run("eval", "--data", photos.toString(), "--load", dir.resolve("none.safetensors").toString());
        assertEquals(2, e.status(), e.err());
    }

    @Test
    void aResidualSpecLearnsColourImagesAndPredicts() throws IOException {
        Path ckpt = dir.resolve("res.safetensors");
        String spec = "conv(8,3,p=same,bias=0)-bn-relu-res[conv(8,3,p=1,g=2)-bn-relu-conv(8,3,p=1,bias=0)-bn]-relu-cat[|conv(4,1)]-gap-linear(3)";
        CommandsTest.Run r = run("train", "--data", photos.toString(), "--model", spec, "--epochs", "6", "--batch", "16", "--optimizer", "adam",
                "--lr", "0.01", "--val-split", "0.25", "--seed", "" + SEED, "--save", ckpt.toString());
        assertEquals(0, r.status(), r.err());
        JsonObject s = r.summary();
        assertTrue(s.get("test_set").getAsString().contains("--val-split"), s.toString());
        assertTrue(s.get("test_accuracy").getAsDouble() >= 0.9, "seed " + SEED + ": " + s);
        Checkpoint.Contents c = Checkpoint.read(ckpt);
        assertEquals(spec, c.spec(ckpt));
        assertEquals(CLASSES, c.classNames());
        assertTrue(c.shapes().containsKey("3.body.0.weight") && c.shapes().containsKey("5.1.0.bias"), c.shapes().keySet().toString());
        CommandsTest.Run p = run("predict", "--load", ckpt.toString(), photos.resolve("red/3.png").toString());
        assertEquals(0, p.status(), p.err());
        assertTrue(p.out().contains("red"), p.out());
    }

    @Test
    void resnet20TakesTheClassCountFromTheData() throws IOException {
        Path ckpt = dir.resolve("r20.safetensors");
        CommandsTest.Run r = run("train", "--data", photos.toString(), "--model", "resnet20", "--epochs", "1", "--batch", "30",
                "--val-split", "0.25", "--save", ckpt.toString());
        assertEquals(0, r.status(), r.err());
        Checkpoint.Contents c = Checkpoint.read(ckpt);
        assertEquals("resnet20(3)", c.spec(ckpt));
        assertEquals(List.of(3, 64), List.of(c.shapes().get("fc.weight").dim(0), c.shapes().get("fc.weight").dim(1)));
        CommandsTest.Run p = run("predict", "--load", ckpt.toString(), photos.resolve("blue/0.png").toString());
        assertEquals(0, p.status(), p.err());
        CommandsTest.Run bad = run("train", "--data", photos.toString(), "--model", "resnet20(5)", "--epochs", "1", "--val-split", "0.25");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("5") && bad.err().contains("3 classes"), bad.err());
    }
}
